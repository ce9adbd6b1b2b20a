// `llmforge plot`: training curves from a metrics JSONL log (pretrain, SFT) as SVG
// (or PNG through rsvg-convert from Debian's librsvg2-bin).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "apps/command.h"
#include "core/atomic_file.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "core/svg_plot.h"

namespace llmforge {
namespace {

int run_plot(int argc, char** argv) {
  CliOptions opts("llmforge plot --metrics FILE [--out FILE.svg|FILE.png]",
                  "Draws loss (training and validation), learning rate and throughput against\n"
                  "the step from a metrics.jsonl written by `llmforge pretrain`.");
  opts.add("metrics", "", "metrics JSONL file (required)")
      .add("out", "curves.svg", "output image: .svg, or .png (needs rsvg-convert)")
      .add_flag("log-loss", "logarithmic loss axis");
  if (!opts.parse(argc, argv)) return 0;
  const std::string path = opts.get("metrics"), out = opts.get("out");
  if (path.empty()) ErrorBuilder("cli") << "--metrics is required";
  std::ifstream in(path);
  if (!in) ErrorBuilder("plot") << "cannot open " << path;
  PlotSeries train{"train loss", {}, {}}, val{"validation loss", {}, {}}, lr{"learning rate", {}, {}},
      tps{"tokens/s", {}, {}};
  std::string line;
  long line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      // A run killed mid-write may leave a partial last line; anything else is an error.
      if (in.peek() == EOF) break;
      ErrorBuilder("plot") << path << ":" << line_no << ": not a JSON object";
    }
    if (!j.contains("step") || !j["step"].is_number()) continue;
    double step = j["step"].get<double>();
    auto add = [&](PlotSeries& s, const char* key) {
      if (j.contains(key) && j[key].is_number()) s.x.push_back(step), s.y.push_back(j[key].get<double>());
    };
    add(train, "loss");
    add(val, "val_loss");
    add(lr, "lr");
    add(tps, "tokens_per_s");
  }
  if (train.x.empty()) ErrorBuilder("plot") << path << ": no training steps found";
  std::vector<PlotPanel> panels{
      {"Loss", "step", "nats/token", opts.get_bool("log-loss"), {train, val}},
      {"Learning rate", "step", "lr", false, {lr}},
      {"Throughput", "step", "tokens/s", false, {tps}}};
  std::string svg = render_svg(panels);
  bool png = out.size() > 4 && out.substr(out.size() - 4) == ".png";
  if (!png) {
    write_file_atomic(out, svg);
  } else {
    std::string tmp = out + ".svg.tmp";
    write_file_atomic(tmp, svg);
    std::string cmd = "rsvg-convert -o '" + out + "' '" + tmp + "'";
    int rc = std::system(cmd.c_str());
    std::remove(tmp.c_str());
    if (rc != 0) ErrorBuilder("plot") << "rsvg-convert failed (install librsvg2-bin) writing " << out;
  }
  std::printf("wrote %s (%zu steps)\n", out.c_str(), train.x.size());
  return 0;
}

const bool kRegistered =
    register_command({"plot", "draw loss, learning-rate and throughput curves to SVG/PNG", run_plot});

}  // namespace
}  // namespace llmforge
