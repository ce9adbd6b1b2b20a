// How llmforge's OpenMP threads wait, chosen so that a shared machine does not pay
// for it.
//
// libgomp's default (OMP_WAIT_POLICY unset) spins 300,000 times before a thread
// that waits for work sleeps. On an idle machine that is what makes fork-join
// kernels fast: the next parallel region starts before the threads sleep. But when
// two programs share the cores (two commands at once, a test suite, a build), each
// spinning thread holds a core the other program's threads need, and both slow down
// many times over. OMP_WAIT_POLICY=passive (sleep at once) fixes that but costs
// every parallel region a futex wake-up, 10-25x on an idle machine for the small
// kernels of a small model.
//
// The default here is in between: a short spin (kDefaultSpinCount iterations, tens
// of microseconds) catches the next region of a tight kernel sequence, and a thread
// whose wait is longer sleeps instead of stealing a core. bench/threads measures the
// three on an idle and on a shared machine (bench/RESULTS.md, "Threads").
//
// libgomp reads its settings once, when it is loaded, before main() runs; so when
// the user set none of OMP_WAIT_POLICY and GOMP_SPINCOUNT, the process re-executes
// itself once with GOMP_SPINCOUNT set. A user's own setting always wins, and
// LLMFORGE_SPIN=default keeps libgomp's own default.
#pragma once

#include <string>

namespace llmforge {

constexpr long kDefaultSpinCount = 10000;

// Call first thing in main(). Returns only when no re-exec was needed or possible.
void apply_thread_wait_policy(char** argv);

// How this process's OpenMP threads wait and who chose it, e.g.
// "GOMP_SPINCOUNT=10000 (llmforge's default)" (`llmforge version` prints it).
std::string thread_wait_policy_description();

}  // namespace llmforge
