// Checkpoint folders across kills: pruning never leaves a step folder that looks like
// a checkpoint but is not, the temporaries of killed saves are removed when a run
// starts or resumes, and `latest` pointing at an incomplete folder falls back to the
// newest complete one.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../test_util.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "train/checkpoint.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;

ModelConfig tiny() {
  ModelConfig c;
  c.vocab_size = 32, c.dim = 16, c.ffn_dim = 24, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 2;
  c.max_seq_len = 8;
  return c;
}

// The PID of a process that has exited (so its leftovers are stale).
long dead_pid() {
  pid_t p = ::fork();
  if (p == 0) ::_exit(0);
  ::waitpid(p, nullptr, 0);
  return long(p);
}

void touch(const fs::path& p, const std::string& text = "x") {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::vector<std::string> names(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CheckpointFolders, PruningKeepsOnlyCompleteStepFoldersAndLeftoversAreRemoved) {
  const std::string root = testing::temp_dir("ckpt_folders");
  fs::remove_all(root);
  fs::create_directories(root);
  Model m(tiny());
  m.init_random(1);
  AdamW opt(m, AdamWConfig{});
  {
    RunCheckpoints run(root, 2);
    for (long step = 1; step <= 4; ++step)
      run.save(step, m, opt, {}, 10.0 - double(step), [](const std::string& dir) {
        write_file_atomic(dir + "/tokenizer.json", "{}");  // in place before the rename
      });
  }
  EXPECT_EQ(names(root), (std::vector<std::string>{"best", "latest", "step_00000003", "step_00000004"}));
  for (const char* s : {"step_00000003", "step_00000004"}) {
    EXPECT_TRUE(is_complete_checkpoint(root + "/" + s));
    EXPECT_TRUE(fs::exists(root + "/" + s + "/tokenizer.json"));
  }

  // What kills leave: a save's temporary folder and pointer, a half-deleted folder
  // renamed aside by pruning, a weights temporary inside a kept folder.
  const std::string pid = std::to_string(dead_pid());
  touch(root + "/step_00000005.tmp-" + pid + "/config.json");
  touch(root + "/latest.tmp-" + pid, "step_00000005\n");
  touch(root + "/step_00000002.pruned-" + pid + "/config.json");
  touch(root + "/step_00000004/model.safetensors.tmp-" + pid);
  // And one of a process that is still running (this one): kept.
  touch(root + "/step_00000006.tmp-" + std::to_string(::getpid()) + "/config.json");
  {
    RunCheckpoints resumed(root, 2);  // what --resume does first
    EXPECT_EQ(resumed.latest_dir(), root + "/step_00000004");
  }
  EXPECT_EQ(names(root), (std::vector<std::string>{"best", "latest", "step_00000003", "step_00000004",
                                                   "step_00000006.tmp-" + std::to_string(::getpid())}));
  EXPECT_FALSE(fs::exists(root + "/step_00000004/model.safetensors.tmp-" + pid));
  fs::remove_all(root + "/step_00000006.tmp-" + std::to_string(::getpid()));

  // A pruned-aside folder never counts as a step, even when it is the newest.
  touch(root + "/step_00000009.pruned-" + std::to_string(::getpid()) + "/config.json");
  prune_checkpoints(root, 1, "");
  EXPECT_EQ(names(root), (std::vector<std::string>{"best", "latest", "step_00000004",
                                                   "step_00000009.pruned-" + std::to_string(::getpid())}));
}

TEST(CheckpointFolders, LatestNamingAnIncompleteFolderFallsBackToTheNewestCompleteOne) {
  const std::string root = testing::temp_dir("ckpt_latest");
  fs::remove_all(root);
  fs::create_directories(root);
  Model m(tiny());
  m.init_random(2);
  AdamW opt(m, AdamWConfig{});
  RunCheckpoints run(root, 5);
  run.save(1, m, opt, {}, 1.0);
  run.save(2, m, opt, {}, 1.0);
  fs::remove(root + "/step_00000002/model.safetensors");  // damaged by hand
  EXPECT_EQ(run.latest_dir(), root + "/step_00000001");
  fs::remove(root + "/step_00000001/training_state.safetensors");
  try {
    run.latest_dir();
    FAIL() << "no complete checkpoint left";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing or incomplete"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmforge
