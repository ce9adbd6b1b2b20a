#include "core/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/markup.h"

namespace llmforge {
namespace {

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

// Tick positions at 1, 2 or 5 times a power of ten, about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target = 6) {
  std::vector<double> ticks;
  if (!(hi > lo)) return {lo};
  double raw = (hi - lo) / target, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);  // no "-0" from rounding
  return ticks;
}

std::string fmt(double v) {
  char buf[32];
  double a = std::fabs(v);
  if (a != 0 && (a < 1e-3 || a >= 1e6)) std::snprintf(buf, sizeof buf, "%.1e", v);
  else std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::string render_svg(const std::vector<PlotPanel>& panels, int width, int panel_height) {
  std::ostringstream svg;
  const int height = panel_height * int(panels.size());
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
         "fill=\"white\"/>\n";
  const double left = 70, right = 20, top = 30, bottom = 45;
  for (size_t p = 0; p < panels.size(); ++p) {
    const PlotPanel& panel = panels[p];
    const double y0 = double(p) * panel_height;
    const double pw = width - left - right, ph = panel_height - top - bottom;
    auto ty = [&](double v) { return panel.log_y ? std::log10(std::max(v, 1e-300)) : v; };
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (const auto& s : panel.series)
      for (size_t i = 0; i < s.x.size(); ++i) {
        if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i])) continue;
        if (panel.log_y && s.y[i] <= 0) continue;
        xmin = std::min(xmin, s.x[i]), xmax = std::max(xmax, s.x[i]);
        ymin = std::min(ymin, ty(s.y[i])), ymax = std::max(ymax, ty(s.y[i]));
      }
    svg << "<text x=\"" << width / 2 << "\" y=\"" << y0 + 18
        << "\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" << markup_escape(panel.title)
        << "</text>\n";
    if (!std::isfinite(xmin)) {
      svg << "<text x=\"" << width / 2 << "\" y=\"" << y0 + panel_height / 2
          << "\" text-anchor=\"middle\">no data</text>\n";
      continue;
    }
    if (xmax == xmin) xmax = xmin + 1;
    if (ymax == ymin) ymax = ymin + 1, ymin -= 1;
    double pad = (ymax - ymin) * 0.05;
    ymin -= pad, ymax += pad;
    auto sx = [&](double v) { return left + (v - xmin) / (xmax - xmin) * pw; };
    auto sy = [&](double v) { return y0 + top + (1 - (ty(v) - ymin) / (ymax - ymin)) * ph; };
    svg << "<rect x=\"" << left << "\" y=\"" << y0 + top << "\" width=\"" << pw << "\" height=\""
        << ph << "\" fill=\"none\" stroke=\"#444\"/>\n";
    for (double t : nice_ticks(xmin, xmax)) {
      double x = sx(t);
      svg << "<line x1=\"" << x << "\" y1=\"" << y0 + top << "\" x2=\"" << x << "\" y2=\""
          << y0 + top + ph << "\" stroke=\"#eee\"/><text x=\"" << x << "\" y=\"" << y0 + top + ph + 15
          << "\" text-anchor=\"middle\">" << fmt(t) << "</text>\n";
    }
    for (double t : nice_ticks(ymin, ymax)) {
      double v = panel.log_y ? std::pow(10.0, t) : t;
      double y = sy(v);
      svg << "<line x1=\"" << left << "\" y1=\"" << y << "\" x2=\"" << left + pw << "\" y2=\"" << y
          << "\" stroke=\"#eee\"/><text x=\"" << left - 6 << "\" y=\"" << y + 4
          << "\" text-anchor=\"end\">" << fmt(v) << "</text>\n";
    }
    svg << "<text x=\"" << left + pw / 2 << "\" y=\"" << y0 + panel_height - 8
        << "\" text-anchor=\"middle\">" << markup_escape(panel.x_label) << "</text>\n";
    svg << "<text transform=\"translate(14," << y0 + top + ph / 2
        << ") rotate(-90)\" text-anchor=\"middle\">" << markup_escape(panel.y_label) << "</text>\n";
    for (size_t s = 0; s < panel.series.size(); ++s) {
      const auto& series = panel.series[s];
      const char* color = kColors[s % 6];
      svg << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"1.5\" points=\"";
      for (size_t i = 0; i < series.x.size(); ++i) {
        if (!std::isfinite(series.y[i]) || (panel.log_y && series.y[i] <= 0)) continue;
        svg << sx(series.x[i]) << "," << sy(series.y[i]) << " ";
      }
      svg << "\"/>\n";
      double lx = left + pw - 150, ly = y0 + top + 16 + 16 * double(s);
      svg << "<line x1=\"" << lx << "\" y1=\"" << ly - 4 << "\" x2=\"" << lx + 20 << "\" y2=\""
          << ly - 4 << "\" stroke=\"" << color << "\" stroke-width=\"2\"/><text x=\"" << lx + 26
          << "\" y=\"" << ly << "\">" << markup_escape(series.label) << "</text>\n";
    }
  }
  svg << "</svg>\n";
  return svg.str();
}

std::string render_bar_svg(const BarChart& chart, int width) {
  const double left = 170, right = 80, top = 40, bar_h = 16, gap = 12;
  const size_t n_series = std::max<size_t>(1, chart.series.size());
  const double group_h = bar_h * double(n_series) + gap;
  const double legend_h = chart.series.size() > 1 ? 24 : 0;
  const int height = int(top + group_h * double(chart.categories.size()) + legend_h + 30);
  double max_v = chart.max_value;
  for (const auto& s : chart.series) {
    for (double v : s.y) {
      if (std::isfinite(v)) max_v = std::max(max_v, v);
    }
  }
  if (!(max_v > 0)) max_v = 1;
  const double pw = width - left - right;
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
         "fill=\"white\"/>\n";
  svg << "<text x=\"" << width / 2 << "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">"
      << markup_escape(chart.title) << "</text>\n";
  for (size_t c = 0; c < chart.categories.size(); ++c) {
    const double gy = top + group_h * double(c);
    svg << "<text x=\"" << left - 8 << "\" y=\"" << gy + bar_h * double(n_series) / 2 + 4
        << "\" text-anchor=\"end\">" << markup_escape(chart.categories[c]) << "</text>\n";
    for (size_t s = 0; s < chart.series.size(); ++s) {
      double v = c < chart.series[s].y.size() ? chart.series[s].y[c] : NAN;
      if (!std::isfinite(v)) continue;
      const double y = gy + bar_h * double(s), w = pw * std::clamp(v / max_v, 0.0, 1.0);
      svg << "<rect x=\"" << left << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << bar_h - 2
          << "\" fill=\"" << kColors[s % std::size(kColors)] << "\"/>\n";
      char label[32];
      if (chart.percent) std::snprintf(label, sizeof label, "%.1f%%", 100 * v);
      else std::snprintf(label, sizeof label, "%s", fmt(v).c_str());
      svg << "<text x=\"" << left + w + 4 << "\" y=\"" << y + bar_h - 5 << "\">" << label << "</text>\n";
    }
  }
  const double axis_y = top + group_h * double(chart.categories.size());
  svg << "<line x1=\"" << left << "\" y1=\"" << top - 4 << "\" x2=\"" << left << "\" y2=\"" << axis_y
      << "\" stroke=\"black\"/>\n";
  svg << "<text x=\"" << left + pw / 2 << "\" y=\"" << axis_y + 16 << "\" text-anchor=\"middle\">"
      << markup_escape(chart.value_label) << "</text>\n";
  if (chart.series.size() > 1) {
    double x = left;
    for (size_t s = 0; s < chart.series.size(); ++s) {
      svg << "<rect x=\"" << x << "\" y=\"" << axis_y + 26 << "\" width=\"12\" height=\"12\" fill=\""
          << kColors[s % std::size(kColors)] << "\"/><text x=\"" << x + 16 << "\" y=\"" << axis_y + 36 << "\">"
          << markup_escape(chart.series[s].label) << "</text>\n";
      x += 30 + 7.0 * double(chart.series[s].label.size());
    }
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace llmforge
