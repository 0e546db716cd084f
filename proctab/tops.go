package proctab

// Tops decides who gets the stop signal in a drain. A drain signals the top
// of each tree: a process whose parent is ginit (an orphan, the dead main
// child's children) or outside the namespace (docker exec). A process whose
// parent is alive is left to that parent, which may be finishing a job
// through it; it is signalled if the parent exits first. Nobody gets the
// signal twice: had says who already got it from ginit.
func Tops(procs []Proc, self int, had func(ID) bool) (send, spared, left []Proc) {
	for _, p := range procs {
		switch {
		case !p.Alive() || p.Pid == self:
		case had(p.ID()):
			spared = append(spared, p)
		case p.PPid != self && p.PPid != 0:
			left = append(left, p)
		default:
			send = append(send, p)
		}
	}
	return send, spared, left
}
