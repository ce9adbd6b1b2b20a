#include "core/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/error.h"

namespace llmforge {
namespace {

TEST(AtomicFile, ReplacesOnlyOnCommit) {
  // Of this process's own: the test checks that nothing else is in the folder, and
  // other builds' tests (other worktrees) may run at the same time.
  auto dir = std::filesystem::temp_directory_path() / ("llmforge_atomic_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "f.txt").string();
  write_file_atomic(path, "old");
  {
    AtomicFileWriter w(path);
    w.write("new contents");
    // Destroyed without commit: as if the process died mid-write.
  }
  EXPECT_EQ(read_file(path), "old");
  for (auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(e.path().filename(), "f.txt") << "temporary file left behind";
  {
    AtomicFileWriter w(path);
    w.write("new contents");
    w.commit();
  }
  EXPECT_EQ(read_file(path), "new contents");
  std::filesystem::remove_all(dir);
}

TEST(AtomicFile, MissingFileIsAnErrorNamingIt) {
  try {
    read_file("/nonexistent/llmforge/x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/llmforge/x"), std::string::npos);
  }
}

}  // namespace
}  // namespace llmforge
