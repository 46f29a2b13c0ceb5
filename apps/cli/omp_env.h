#pragma once
// OpenMP wait policy for the memprobe program. libgomp's default lets an idle worker spin for
// a while (GOMP_SPINCOUNT, 300,000 iterations) before sleeping; on a 2-core machine where any
// other process is runnable, the spinning thread takes the core its partner needs and every
// fork/join stalls for a scheduler slice (measured 3-10x slower training; docs/performance.md).
// libgomp reads OMP_WAIT_POLICY once, when it is loaded (before main), so the only way to
// change the default is to re-execute the program with the variable set.
namespace mp::app {

// When neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set (nor MEMPROBE_KEEP_OMP_ENV=1), sets
// OMP_WAIT_POLICY=PASSIVE and re-executes /proc/self/exe with the same arguments; returns only
// when no re-exec was needed or it failed (the program then runs with libgomp's defaults).
// Call first thing in main(). A user's own setting always wins.
void ensure_passive_omp_wait(char** argv);

}  // namespace mp::app
