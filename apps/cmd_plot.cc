// `llmforge plot`: training curves from a metrics JSONL log (pretrain, SFT) as SVG
// (or PNG through rsvg-convert from Debian's librsvg2-bin).
#include <cstdio>
#include <cstdlib>

#include "apps/command.h"
#include "core/atomic_file.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "core/svg_plot.h"
#include "train/metrics_log.h"

namespace llmforge {
namespace {

int run_plot(int argc, char** argv) {
  CliOptions opts("llmforge plot --metrics FILE [--out FILE.svg|FILE.png]",
                  "Draws loss (training and validation), learning rate and throughput against\n"
                  "the step from a metrics.jsonl written by `llmforge pretrain`.");
  opts.add("metrics", "", "metrics JSONL file (required)")
      .add("out", "curves.svg", "output image: .svg, or .png (needs rsvg-convert)")
      .add_flag("log-loss", "logarithmic loss axis")
      .add("keys", "", "more fields, one panel each (e.g. RL: accuracy,response_length_mean,eval_accuracy)");
  if (!opts.parse(argc, argv)) return 0;
  const std::string path = opts.get("metrics"), out = opts.get("out");
  if (path.empty()) ErrorBuilder("cli") << "--metrics is required";
  auto log = read_metrics_log(path, {"loss", "val_loss", "lr", "tokens_per_s"});
  auto series = [&](const char* label, const char* field) {
    return PlotSeries{label, log[field].step, log[field].value};
  };
  PlotSeries train = series("train loss", "loss"), val = series("validation loss", "val_loss"),
             lr = series("learning rate", "lr"), tps = series("tokens/s", "tokens_per_s");
  if (train.x.empty()) ErrorBuilder("plot") << path << ": no training steps found";
  std::vector<PlotPanel> panels{
      {"Loss", "step", "nats/token", opts.get_bool("log-loss"), {train, val}},
      {"Learning rate", "step", "lr", false, {lr}},
      {"Throughput", "step", "tokens/s", false, {tps}}};
  const std::string keys = opts.get("keys");
  for (size_t pos = 0; pos < keys.size();) {
    size_t comma = keys.find(',', pos);
    if (comma == std::string::npos) comma = keys.size();
    const std::string key = keys.substr(pos, comma - pos);
    pos = comma + 1;
    if (key.empty()) continue;
    MetricSeries m = read_metrics_log(path, {key})[key];
    if (m.step.empty()) ErrorBuilder("plot") << path << ": no values of '" << key << "'";
    panels.push_back({key, "step", key, false, {{key, m.step, m.value}}});
  }
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
