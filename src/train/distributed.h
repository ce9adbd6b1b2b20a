// Data parallelism across processes with MPI (OpenMPI from Debian). Started by
// `mpirun -np N llmforge pretrain|sft ...`, every rank trains on its own part of
// the data and the training loop (train/train_loop.h) sums gradients across ranks
// before each optimizer step. Run without mpirun, this is a world of one and MPI
// is never initialised.
//
// Thread safety: call from the main thread only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace llmforge {

class Distributed {
 public:
  // Initialises MPI when the process was launched by an MPI launcher.
  Distributed();
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  int rank() const { return rank_; }
  int world() const { return world_; }
  bool is_root() const { return rank_ == 0; }

  // In-place sum across ranks (no-op for one rank).
  void all_reduce_sum(float* data, size_t n);
  void all_reduce_sum(double* data, size_t n);
  // True when every rank passes the same value (e.g. a checksum of the weights).
  bool all_equal(uint64_t value);
  void barrier();

 private:
  int rank_ = 0, world_ = 1;
  bool initialised_ = false;
};

}  // namespace llmforge
