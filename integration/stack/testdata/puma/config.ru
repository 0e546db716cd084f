# A Rack app with one slow endpoint: GET /slow?s=N sleeps N seconds, then
# answers "slept N" in full. It records its start as a file in
# $STACK_MARKS, which the test waits for before it sends the stop signal.
marks = ENV.fetch("STACK_MARKS")

run lambda { |env|
  if env["PATH_INFO"] == "/slow"
    seconds = Rack::Utils.parse_query(env["QUERY_STRING"]).fetch("s", "12").to_i
    path = File.join(marks, "started")
    File.write(path + ".tmp", format("%.6f\n", Time.now.to_f))
    File.rename(path + ".tmp", path) # appears whole, or not at all
    sleep seconds
    [200, { "content-type" => "text/plain" }, ["slept #{seconds}\n"]]
  else
    [200, { "content-type" => "text/plain" }, ["ok\n"]]
  end
}
