#include "memory/pack.h"

#include <toml++/toml.h>

#include <sstream>

namespace brainstem::memory {

namespace json = boost::json;

namespace {

json::value to_json(const toml::node& node) {
  if (const auto* t = node.as_table()) {
    json::object out;
    for (const auto& [k, v] : *t) out[std::string(k.str())] = to_json(v);
    return out;
  }
  if (const auto* a = node.as_array()) {
    json::array out;
    for (const auto& v : *a) out.push_back(to_json(v));
    return out;
  }
  if (const auto* s = node.as_string()) return json::value(s->get());
  if (const auto* i = node.as_integer()) return json::value(i->get());
  if (const auto* f = node.as_floating_point()) return json::value(f->get());
  if (const auto* b = node.as_boolean()) return json::value(b->get());
  std::ostringstream text;  // dates and times, as TOML writes them
  if (const auto* d = node.as_date()) text << d->get();
  else if (const auto* tm = node.as_time()) text << tm->get();
  else if (const auto* dt = node.as_date_time()) text << dt->get();
  return json::value(text.str());
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

}  // namespace

json::object error_json(const PackError& e) {
  return {{"file", e.file}, {"line", e.line}, {"column", e.column}, {"message", e.message}};
}

json::array parse_markdown(const std::string& source, const std::string& file, std::vector<PackError>& errors) {
  json::array blocks;
  std::istringstream in(source);
  std::string line;
  int number = 0;
  json::object* paragraph = nullptr;
  json::object* list = nullptr;
  struct Fence {
    int line;
    int column;
    std::string lang, text;
  };
  std::optional<Fence> fence;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string t = trim(line);
    if (fence) {
      if (t.starts_with("```")) {
        blocks.push_back(json::object{{"type", "code"}, {"lang", fence->lang}, {"text", fence->text}, {"line", fence->line}});
        fence.reset();
      } else {
        fence->text += line + "\n";
      }
      continue;
    }
    if (t.starts_with("```")) {
      fence = Fence{number, static_cast<int>(line.find('`')) + 1, trim(t.substr(3)), ""};
      paragraph = list = nullptr;
      continue;
    }
    if (t.empty()) {
      paragraph = list = nullptr;
      continue;
    }
    if (t[0] == '#') {
      size_t level = t.find_first_not_of('#');
      if (level != std::string::npos && level <= 6 && t[level] == ' ') {
        blocks.push_back(json::object{{"type", "heading"}, {"level", level}, {"text", trim(t.substr(level))}, {"line", number}});
        paragraph = list = nullptr;
        continue;
      }
    }
    if (t.starts_with("- ") || t.starts_with("* ")) {
      if (!list) {
        blocks.push_back(json::object{{"type", "list"}, {"items", json::array()}, {"line", number}});
        list = &blocks.back().as_object();
      }
      (*list)["items"].as_array().emplace_back(trim(t.substr(2)));
      paragraph = nullptr;
      continue;
    }
    if (!paragraph) {
      blocks.push_back(json::object{{"type", "paragraph"}, {"text", t}, {"line", number}});
      paragraph = &blocks.back().as_object();
      list = nullptr;
    } else {
      auto& text = (*paragraph)["text"].as_string();
      text.append(" ");
      text.append(t);
    }
  }
  if (fence) errors.push_back({file, fence->line, fence->column, "code fence opened here is never closed"});
  return blocks;
}

ComposedPack compose_pack(const std::string& toml_source, const std::vector<std::string>& markdown_files) {
  ComposedPack out;
  json::object manifest;
  try {
    toml::table table = toml::parse(std::string_view(toml_source), std::string_view("cstate.toml"));
    manifest = to_json(table).as_object();
  } catch (const toml::parse_error& e) {
    out.errors.push_back({"cstate.toml", static_cast<int>(e.source().begin.line),
                          static_cast<int>(e.source().begin.column), std::string(e.description())});
  }

  json::array prompts;
  json::object prompt_texts;
  for (size_t i = 0; i < markdown_files.size(); ++i) {
    std::string file = "markdown[" + std::to_string(i) + "]";
    json::array blocks = parse_markdown(markdown_files[i], file, out.errors);
    std::string title = file;
    for (const auto& b : blocks) {
      if (b.as_object().at("type") == "heading") {
        title = std::string(b.as_object().at("text").as_string());
        break;
      }
    }
    if (prompt_texts.contains(title)) out.errors.push_back({file, 1, 1, "two prompt files are titled \"" + title + "\""});
    prompt_texts[title] = markdown_files[i];
    prompts.push_back(json::object{{"file", file}, {"title", title}, {"blocks", std::move(blocks)}});
  }

  // The manifest's meaning: a named pack, agents whose prompts exist.
  bool manifest_parsed = out.errors.empty() || out.errors.front().file != "cstate.toml";
  const json::value* pack = manifest.if_contains("pack");
  if (manifest_parsed && (!pack || !pack->is_object())) {
    out.errors.push_back({"cstate.toml", 0, 0, "the manifest needs a [pack] table"});
  } else if (manifest_parsed && !pack->as_object().contains("name")) {
    out.errors.push_back({"cstate.toml", 0, 0, "[pack] needs a name"});
  } else if (manifest_parsed && !pack->as_object().at("name").is_string()) {
    out.errors.push_back({"cstate.toml", 0, 0, "[pack] name must be a string"});
  }
  json::object agents;
  if (const json::value* a = manifest.if_contains("agents"); a && a->is_object()) {
    for (const auto& [name, agent] : a->as_object()) {
      json::object compiled_agent = agent.is_object() ? agent.as_object() : json::object();
      if (const json::value* prompt = compiled_agent.if_contains("prompt"); prompt && prompt->is_string()) {
        const json::value* text = prompt_texts.if_contains(prompt->get_string());
        if (!text) {
          out.errors.push_back({"cstate.toml", 0, 0,
                                "agent " + std::string(name) + " names prompt \"" + std::string(prompt->get_string()) +
                                    "\", which no Markdown file is titled"});
        } else {
          compiled_agent["system_prompt"] = *text;
        }
      }
      agents[name] = std::move(compiled_agent);
    }
  }
  out.ast = {{"manifest", manifest}, {"prompts", std::move(prompts)}};
  json::object settings = manifest;
  settings.erase("pack");
  settings.erase("agents");
  out.compiled = {{"pack", pack ? *pack : json::value(nullptr)},
                  {"agents", std::move(agents)},
                  {"prompts", std::move(prompt_texts)},
                  {"settings", std::move(settings)}};
  out.success = out.errors.empty();
  return out;
}

}  // namespace brainstem::memory
