#include "train/distributed.h"

#include <mpi.h>

#include <climits>
#include <cstdlib>

#include "core/error.h"

namespace llmforge {

static bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(var)) return true;
  return false;
}

Distributed::Distributed() {
  if (!launched_by_mpi()) return;
  int already = 0;
  MPI_Initialized(&already);
  if (!already) {
    if (MPI_Init(nullptr, nullptr) != MPI_SUCCESS) ErrorBuilder("mpi") << "MPI_Init failed";
    initialised_ = true;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &world_);
}

Distributed::~Distributed() {
  if (initialised_) MPI_Finalize();
}

void Distributed::all_reduce_sum(float* data, size_t n) {
  if (world_ == 1) return;
  for (size_t done = 0; done < n;) {  // MPI counts are ints
    int chunk = int(std::min<size_t>(n - done, INT_MAX / 2));
    MPI_Allreduce(MPI_IN_PLACE, data + done, chunk, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    done += size_t(chunk);
  }
}

void Distributed::all_reduce_sum(double* data, size_t n) {
  if (world_ == 1) return;
  MPI_Allreduce(MPI_IN_PLACE, data, int(n), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

bool Distributed::all_equal(uint64_t value) {
  if (world_ == 1) return true;
  unsigned long long v = value, lo = 0, hi = 0;
  MPI_Allreduce(&v, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&v, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  return lo == hi;
}

void Distributed::barrier() {
  if (world_ > 1) MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace llmforge
