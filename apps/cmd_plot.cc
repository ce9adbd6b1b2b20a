// `llmforge plot`: training curves from a metrics JSONL log (pretrain, SFT) as SVG
// (or PNG through rsvg-convert from Debian's librsvg2-bin).
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/atomic_file.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "core/svg_plot.h"
#include "train/metrics_log.h"

namespace llmforge {
namespace {

// SVG as it is, PNG through rsvg-convert.
void write_plot(const std::string& out, const std::string& svg) {
  const bool png = out.size() > 4 && out.substr(out.size() - 4) == ".png";
  if (!png) {
    write_file_atomic(out, svg);
    return;
  }
  std::string tmp = out + ".svg.tmp";
  write_file_atomic(tmp, svg);
  std::string cmd = "rsvg-convert -o '" + out + "' '" + tmp + "'";
  int rc = std::system(cmd.c_str());
  std::remove(tmp.c_str());
  if (rc != 0) ErrorBuilder("plot") << "rsvg-convert failed (install librsvg2-bin) writing " << out;
}

int run_plot(int argc, char** argv) {
  CliOptions opts("llmforge plot --metrics FILE [--out FILE.svg|FILE.png]",
                  "Draws loss (training and validation), learning rate and throughput against\n"
                  "the step from a metrics.jsonl written by `llmforge pretrain`.");
  opts.add("metrics", "", "metrics JSONL file (required)")
      .add("out", "curves.svg", "output image: .svg, or .png (needs rsvg-convert)")
      .add_flag("log-loss", "logarithmic loss axis")
      .add("keys", "", "more fields, one panel each (e.g. RL: accuracy,response_length_mean,eval_accuracy)")
      .add("x", "", "draw the --keys together in one panel against this field instead of the step "
                    "(e.g. --x kl --keys eval_proxy,eval_gold); lines where either is missing are skipped");
  if (!opts.parse(argc, argv)) return 0;
  const std::string path = opts.get("metrics"), out = opts.get("out");
  if (path.empty()) ErrorBuilder("cli") << "--metrics is required";
  const std::vector<std::string> keys = split_comma_list(opts.get("keys"));
  const std::string x_key = opts.get("x");
  if (!x_key.empty()) {
    if (keys.empty()) ErrorBuilder("cli") << "--x needs --keys to draw against it";
    std::vector<std::string> fields = keys;
    fields.push_back(x_key);
    auto log = read_metrics_log(path, fields);
    // Join each key to x by step: x at the steps that have both.
    std::map<double, double> x_at;
    for (size_t i = 0; i < log[x_key].step.size(); ++i) x_at[log[x_key].step[i]] = log[x_key].value[i];
    PlotPanel panel{keys.size() == 1 ? keys[0] + " against " + x_key : "against " + x_key, x_key, "", false, {}};
    for (const std::string& key : keys) {
      PlotSeries s{key, {}, {}};
      const MetricSeries& m = log[key];
      for (size_t i = 0; i < m.step.size(); ++i) {
        auto it = x_at.find(m.step[i]);
        if (it != x_at.end()) s.x.push_back(it->second), s.y.push_back(m.value[i]);
      }
      if (s.x.empty()) ErrorBuilder("plot") << path << ": no line has both '" << key << "' and '" << x_key << "'";
      panel.series.push_back(std::move(s));
    }
    write_plot(out, render_svg({panel}));
    std::printf("wrote %s (%zu points)\n", out.c_str(), panel.series[0].x.size());
    return 0;
  }
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
  for (const std::string& key : keys) {
    MetricSeries m = read_metrics_log(path, {key})[key];
    if (m.step.empty()) ErrorBuilder("plot") << path << ": no values of '" << key << "'";
    panels.push_back({key, "step", key, false, {{key, m.step, m.value}}});
  }
  write_plot(out, render_svg(panels));
  std::printf("wrote %s (%zu steps)\n", out.c_str(), train.x.size());
  return 0;
}

const bool kRegistered =
    register_command({"plot", "draw loss, learning-rate and throughput curves to SVG/PNG", run_plot});

}  // namespace
}  // namespace llmforge
