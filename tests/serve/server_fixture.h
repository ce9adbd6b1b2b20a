// A running server over the tiny test model (tests/infer/tiny_model.h) on a free
// port of 127.0.0.1, and small HTTP helpers. The server stops when the fixture goes.
#pragma once

#include <httplib.h>
#include <unistd.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "infer/tiny_model.h"
#include "model/model_io.h"
#include "serve/server.h"
#include "test_util.h"

namespace llmforge::testing {

inline const std::string& serve_model_dir() {
  // Per process: ctest may run several of these test processes at once.
  static const std::string dir =
      tiny_model_dir(temp_dir("serve_model_" + std::to_string(::getpid())));
  return dir;
}

inline std::unique_ptr<serve::Server> start_server(serve::ServerOptions o) {
  o.host = "127.0.0.1";
  o.port = 0;
  auto s = std::make_unique<serve::Server>(load_model(serve_model_dir()),
                                           Tokenizer::load(serve_model_dir()), o);
  s->start();
  return s;
}

inline httplib::Client client(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(60, 0);
  c.set_write_timeout(10, 0);
  return c;
}

}  // namespace llmforge::testing
