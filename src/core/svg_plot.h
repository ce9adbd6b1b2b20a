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

}  // namespace llmforge
