#include "gateway/workspace/message_view.h"

#include <set>

#include "gateway/workspace/labels.h"
#include "gateway/workspace/local_time.h"

namespace ketenpoort::workspace {

namespace {

using nlohmann::json;

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty())
      out += ", ";
    out += p;
  }
  return out;
}

// Any JSON value in words, for fields no schema describes.
std::string Plain(api::Lang lang, const json& v) {
  if (v.is_string())
    return v.get<std::string>();
  if (v.is_boolean())
    return Label(lang, "bool", v.get<bool>() ? "true" : "false");
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const json& item : v)
      parts.push_back(Plain(lang, item));
    return Join(parts);
  }
  if (v.is_object()) {
    std::vector<std::string> parts;
    for (const auto& [key, item] : v.items())
      parts.push_back(Label(lang, "field", key) + ": " + Plain(lang, item));
    return Join(parts);
  }
  if (v.is_null())
    return "";
  return v.dump();
}

// A value of a field the schema describes.
std::string Value(api::Lang lang, const FieldSpec& f, const json& v) {
  switch (f.type) {
    case FieldType::kBool:
      return v.is_boolean() ? Label(lang, "bool", v.get<bool>() ? "true" : "false")
                            : Plain(lang, v);
    case FieldType::kDate:
      return v.is_string() ? DateText(lang, v.get<std::string>()) : Plain(lang, v);
    case FieldType::kTime:
      return v.is_string() ? LocalTimeText(lang, v.get<std::string>()) : Plain(lang, v);
    case FieldType::kEnum:
      return v.is_string() ? Label(lang, "enum." + f.name, v.get<std::string>()) : Plain(lang, v);
    case FieldType::kCode:
      return v.is_string() ? Label(lang, "code." + f.list, v.get<std::string>()) : Plain(lang, v);
    case FieldType::kCodes: {
      if (!v.is_array())
        return Plain(lang, v);
      std::vector<std::string> parts;
      for (const json& c : v)
        parts.push_back(c.is_string() ? Label(lang, "code." + f.list, c.get<std::string>())
                                      : Plain(lang, c));
      return Join(parts);
    }
    case FieldType::kString:
    case FieldType::kInteger:
    case FieldType::kStrings:
      return Plain(lang, v);
  }
  return Plain(lang, v);
}

}  // namespace

std::vector<ViewRow> PayloadRows(api::Lang lang, const KindRegistry& kinds, std::string_view kind,
                                 const json& payload) {
  std::vector<ViewRow> rows;
  if (!payload.is_object()) {
    if (!payload.is_null())
      rows.push_back({"", Label(lang, "field", "content"), Plain(lang, payload)});
    return rows;
  }
  std::set<std::string> shown;
  const MessageKind* k = kinds.Find(kind);
  if (k != nullptr && k->spec().payload) {
    for (const FieldSpec& f : k->spec().payload->fields) {
      auto it = payload.find(f.name);
      if (it == payload.end() || it->is_null())
        continue;
      rows.push_back({f.name, Label(lang, "field", f.name), Value(lang, f, *it)});
      shown.insert(f.name);
    }
  }
  for (const auto& [key, v] : payload.items()) {
    if (shown.contains(key) || v.is_null())
      continue;
    rows.push_back({key, Label(lang, "field", key), Plain(lang, v)});
  }
  return rows;
}

std::string RowsHtml(const std::vector<ViewRow>& rows, std::string_view id) {
  std::string out = "<dl id=\"" + api::HtmlEscape(id) + "\" class=\"rows\">";
  for (const ViewRow& r : rows) {
    out += "<dt>" + api::HtmlEscape(r.label) + "</dt><dd data-field=\"" + api::HtmlEscape(r.field) +
           "\">" + api::HtmlEscape(r.value) + "</dd>";
  }
  return out + "</dl>";
}

}  // namespace ketenpoort::workspace
