// Line charts as standalone SVG, with no dependencies: panels stacked vertically,
// each with axes, "nice" ticks, a legend and any number of series. Used by
// `llmforge plot` and run reports.
#pragma once

#include <string>
#include <vector>

namespace llmforge {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;  // same length; NaN points are skipped
};

struct PlotPanel {
  std::string title;
  std::string x_label, y_label;
  bool log_y = false;
  std::vector<PlotSeries> series;
};

std::string render_svg(const std::vector<PlotPanel>& panels, int width = 900,
                       int panel_height = 300);

// Grouped horizontal bars: one group per category, one bar per series, the value
// written at the end of each bar. Suits funnels and per-category accuracies.
struct BarChart {
  std::string title, value_label;
  std::vector<std::string> categories;
  std::vector<PlotSeries> series;  // y holds one value per category (x unused)
  double max_value = 0;            // 0: the largest value
  bool percent = false;            // values are fractions, written as percentages
};
std::string render_bar_svg(const BarChart& chart, int width = 900);

}  // namespace llmforge
