# A Sidekiq app with one job: SlowJob sleeps for its argument in seconds and
# records its start and its completion as files in $SIDEKIQ_TEST_DIR, which
# the test reads to tell a completed job from a requeued or a lost one.
require "sidekiq"

# Debian pairs Sidekiq 6.4.1 with redis-rb 4.8, which warns on every BRPOP.
Redis.silence_deprecations = true

class SlowJob
  include Sidekiq::Worker
  sidekiq_options retry: false

  def perform(seconds)
    mark("started")
    sleep seconds
    mark("done")
  end

  def mark(what)
    path = File.join(ENV.fetch("SIDEKIQ_TEST_DIR"), what)
    File.write(path + ".tmp", format("%.6f\n", Time.now.to_f))
    File.rename(path + ".tmp", path) # appears whole, or not at all
    logger.info("SlowJob #{what} jid=#{jid}")
  end
end
