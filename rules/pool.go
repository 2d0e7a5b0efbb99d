package rules

import (
	"sync"

	"github.com/ownaudit/ownaudit/inventory"
)

// poolBatch is how many resources a worker of the pool takes at once:
// enough that handing them over costs little beside their checks.
const poolBatch = 64

// SetWorkers makes the evaluator run the checks of its resources on n
// goroutines of its own (none when n < 2, the default): Resource and
// Finish still hand every finding to emit on the caller's goroutine, but
// not in the order the resources came in, so callers sort them (Evaluate
// and the report's stream do). Call it before the first Resource; Close
// stops the goroutines of an evaluator that will not be finished.
func (e *Evaluator) SetWorkers(n int) {
	if n < 2 || e.pool != nil {
		return
	}
	p := &pool{
		jobs: make(chan *batch, n),
		done: make(chan *batch, 2*n),
		cur:  &batch{},
	}
	for range n {
		w := newWorker(e.d, e.env.Now)
		w.env.Memo = &w.memo
		p.workers = append(p.workers, &w)
		p.wg.Add(1)
		go p.run(&w)
	}
	e.pool = p
}

// Close stops the evaluator's workers without handing out the findings
// they hold; an evaluator that was finished needs no Close.
func (e *Evaluator) Close() {
	if e.pool != nil {
		e.pool.finish(func(*Finding) {})
		e.pool = nil
	}
}

// pool hands batches of resources to the workers and takes their findings
// back.
type pool struct {
	workers []*worker
	jobs    chan *batch
	done    chan *batch
	wg      sync.WaitGroup
	// cur is the batch being filled, out how many batches were handed to
	// the workers and not yet taken back, free the batches taken back.
	cur  *batch
	out  int
	free []*batch
}

// batch is resources a worker evaluates at once, and their findings.
type batch struct {
	resources []inventory.Resource
	findings  []Finding
}

func (p *pool) run(w *worker) {
	defer p.wg.Done()
	for b := range p.jobs {
		for i := range b.resources {
			w.evaluate(&b.resources[i], func(f *Finding) { b.findings = append(b.findings, *f) })
		}
		p.done <- b
	}
}

// add queues r, handing out the findings of batches done meanwhile.
func (p *pool) add(r *inventory.Resource, emit func(*Finding)) {
	p.cur.resources = append(p.cur.resources, *r)
	if len(p.cur.resources) < poolBatch {
		return
	}
	p.send(emit)
	if n := len(p.free); n > 0 {
		p.cur, p.free = p.free[n-1], p.free[:n-1]
	} else {
		p.cur = &batch{}
	}
}

// send hands the current batch to a worker, taking back the batches done
// while it waits for one.
func (p *pool) send(emit func(*Finding)) {
	for {
		select {
		case p.jobs <- p.cur:
			p.out++
			return
		case b := <-p.done:
			p.deliver(b, emit)
		}
	}
}

// deliver hands out a batch's findings and keeps the batch for reuse.
func (p *pool) deliver(b *batch, emit func(*Finding)) {
	p.out--
	for i := range b.findings {
		emit(&b.findings[i])
	}
	clear(b.resources)
	clear(b.findings)
	b.resources, b.findings = b.resources[:0], b.findings[:0]
	p.free = append(p.free, b)
}

// finish hands out the findings of every resource added, stops the
// workers and returns them.
func (p *pool) finish(emit func(*Finding)) []*worker {
	if len(p.cur.resources) > 0 {
		p.send(emit)
	}
	close(p.jobs)
	for p.out > 0 {
		p.deliver(<-p.done, emit)
	}
	p.wg.Wait()
	return p.workers
}
