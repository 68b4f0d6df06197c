// `corral list [PREFIX]` (alias `ls`): the models in the store as `ollama list` shows them — NAME, ID (the
// first 12 hex digits of the manifest's sha256), SIZE (all layers, in Ollama's decimal units) and MODIFIED
// (how long ago the manifest was written), newest first; PREFIX keeps names that start with it (any case).
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>

#include "cli/commands.h"
#include "cli/text_table.h"
#include "store/store.h"

namespace corral::cli {
namespace {

// Ollama's format.HumanBytes.
std::string HumanBytes(int64_t b) {
  const struct {
    int64_t scale;
    const char* unit;
  } units[] = {{1000000000000, "TB"}, {1000000000, "GB"}, {1000000, "MB"}, {1000, "KB"}};
  char buf[64];
  for (const auto& u : units) {
    if (b < u.scale) continue;
    const double value = static_cast<double>(b) / static_cast<double>(u.scale);
    if (value >= 10 || value == std::trunc(value)) {
      std::snprintf(buf, sizeof(buf), "%d %s", static_cast<int>(value), u.unit);
    } else {
      std::snprintf(buf, sizeof(buf), "%.1f %s", value, u.unit);
    }
    return buf;
  }
  std::snprintf(buf, sizeof(buf), "%lld B", static_cast<long long>(b));
  return buf;
}

// Ollama's format.HumanTime for a time in the past.
std::string HumanTimeAgo(std::time_t then, std::time_t now) {
  const double seconds_d = std::difftime(now, then);
  const bool future = seconds_d < 0;
  const double d = std::fabs(seconds_d);
  const int seconds = static_cast<int>(d);
  std::string text;
  if (seconds < 1) {
    text = "Less than a second";
  } else if (seconds == 1) {
    text = "1 second";
  } else if (seconds < 60) {
    text = std::to_string(seconds) + " seconds";
  } else if (seconds / 60 == 1) {
    text = "About a minute";
  } else if (seconds / 60 < 60) {
    text = std::to_string(seconds / 60) + " minutes";
  } else {
    const int hours = static_cast<int>(std::round(d / 3600));
    if (hours == 1) {
      text = "About an hour";
    } else if (hours < 48) {
      text = std::to_string(hours) + " hours";
    } else if (hours < 24 * 7 * 2) {
      text = std::to_string(hours / 24) + " days";
    } else if (hours < 24 * 30 * 2) {
      text = std::to_string(hours / 24 / 7) + " weeks";
    } else if (hours < 24 * 365 * 2) {
      text = std::to_string(hours / 24 / 30) + " months";
    } else {
      text = std::to_string(static_cast<int>(d / 3600) / 24 / 365) + " years";
    }
  }
  return text + (future ? " from now" : " ago");
}

bool StartsWithFold(const std::string& s, const std::string& prefix) {
  if (prefix.size() > s.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}

int List(const std::string& prefix) {
  Result<store::Store> store = store::Store::Open(store::DefaultStoreRoot());
  if (!store.ok()) {
    std::fprintf(stderr, "corral: %s\n", store.status().ToString().c_str());
    return 1;
  }
  Result<std::vector<store::ListedModel>> models = store->List();
  if (!models.ok()) {
    std::fprintf(stderr, "corral: %s\n", models.status().ToString().c_str());
    return 1;
  }
  const std::time_t now = std::time(nullptr);
  std::vector<std::vector<std::string>> rows = {{"NAME", "ID", "SIZE", "MODIFIED"}};
  for (const store::ListedModel& m : *models) {
    const std::string name = m.name.Display();
    if (!prefix.empty() && !StartsWithFold(name, prefix)) continue;
    rows.push_back({name, m.digest_hex.substr(0, 12), HumanBytes(m.manifest.TotalSize()),
                    HumanTimeAgo(m.modified, now)});
  }
  std::fputs(FormatTable(rows).c_str(), stdout);
  return 0;
}

}  // namespace

void RegisterListCommand(CLI::App& app, int& exit_code) {
  auto prefix = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("list", "List the models in the store");
  cmd->alias("ls");
  cmd->add_option("PREFIX", *prefix, "only names starting with this (any case)");
  cmd->callback([prefix, &exit_code] { exit_code = List(*prefix); });
}

}  // namespace corral::cli
