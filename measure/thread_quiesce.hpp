// Waiting for a library's idle worker threads to stop spinning. OpenBLAS (pthreads) keeps its
// workers busy-waiting for ~70 ms after a call on this machine, oneDNN's OpenMP team a few ms
// (GOMP_SPINCOUNT); whatever runs next on those cores (the next backend in a bench loop, the
// other side of an `ab` pair) would be timed against them. A fixed pause long enough for the
// slowest library wastes most of it for the others, so this watches the threads instead:
// every other thread's CPU time (/proc/self/task/*/schedstat, nanoseconds) until a whole
// window passes in which they ran less than a tenth of it.
#pragma once

namespace flopmeter {

// Seconds of CPU time the process's threads other than the caller have run (since each
// started); negative where /proc/self/task is unreadable.
double other_threads_cpu_seconds();

// Waits until the other threads are quiet (above) or `max_s` passed; returns the seconds
// waited. Where the threads' CPU time cannot be read it simply sleeps `max_s`.
double wait_for_quiet_threads(double max_s, double window_s = 0.01);

}  // namespace flopmeter
