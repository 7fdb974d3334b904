#include "gateway/workspace/compose_request.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <set>

#include "gateway/core/legal_basis.h"
#include "gateway/core/pseudonym.h"
#include "gateway/core/reason_text.h"

namespace ketenpoort::workspace {

namespace {

using nlohmann::json;

bool IsRealDate(const std::string& text) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  char tail = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3)
    return false;
  return std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m},
                                     std::chrono::day{d}}
      .ok();
}

bool Offers(const FormField& f, const std::string& value) {
  return std::any_of(f.choices.begin(), f.choices.end(),
                     [&](const FormChoice& c) { return c.value == value; });
}

std::string UnknownChoice(const FormField& f) {
  return f.list.empty() ? "err_invalid_choice" : "err_unknown_code";
}

// The lines of a textarea: split at line ends, blank lines dropped.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    std::string line =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos)
      out.push_back(std::move(line));
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return out;
}

// One field's posted values as JSON; "" in *error when it is fine. Null: nothing given.
json ReadField(const FormField& f, const std::vector<std::string>& posted, std::string* error) {
  const std::string one = posted.empty() ? std::string() : posted.front();
  auto missing = [&]() -> json {
    if (f.required)
      *error = "err_required";
    return nullptr;
  };
  if (f.input != FormInput::kCheckboxes && posted.size() > 1) {
    *error = "err_invalid_choice";  // a field with one value, posted twice: not our form
    return nullptr;
  }
  switch (f.input) {
    case FormInput::kCheckboxes: {
      std::vector<std::string> codes;
      for (const std::string& v : posted) {
        if (v.empty())
          continue;
        if (!Offers(f, v)) {
          *error = UnknownChoice(f);
          return nullptr;
        }
        if (std::find(codes.begin(), codes.end(), v) == codes.end())
          codes.push_back(v);
      }
      if (codes.empty())
        return missing();
      return codes;
    }
    case FormInput::kSelect:
    case FormInput::kYesNo:
      if (one.empty())
        return missing();
      if (!Offers(f, one)) {
        *error = UnknownChoice(f);
        return nullptr;
      }
      if (f.input == FormInput::kYesNo)
        return one == "true";
      return one;
    case FormInput::kNumber: {
      if (one.empty())
        return missing();
      long long n = 0;
      auto [end, ec] = std::from_chars(one.data(), one.data() + one.size(), n);
      if (ec != std::errc() || end != one.data() + one.size() || n < f.min || n > f.max) {
        *error = "err_invalid_number";
        return nullptr;
      }
      return n;
    }
    case FormInput::kDate:
      if (one.empty())
        return missing();
      if (!IsRealDate(one)) {
        *error = "err_invalid_date";
        return nullptr;
      }
      return one;
    case FormInput::kDateTime: {
      if (one.empty())
        return missing();
      // datetime-local sends "YYYY-MM-DDTHH:MM" (or with ":SS"); the workspace reads it as UTC.
      const bool minutes = one.size() == 16;
      const bool seconds = one.size() == 19;
      if ((!minutes && !seconds) || one[10] != 'T' || !IsRealDate(one.substr(0, 10))) {
        *error = "err_invalid_date";
        return nullptr;
      }
      return one + (minutes ? ":00Z" : "Z");
    }
    case FormInput::kLines: {
      std::vector<std::string> lines = Lines(one);
      for (const std::string& line : lines) {
        if (line.size() > f.max_length) {
          *error = "err_too_long";
          return nullptr;
        }
      }
      if (lines.empty())
        return missing();
      return lines;
    }
    case FormInput::kText:
    case FormInput::kTextArea:
      if (one.find_first_not_of(" \t\r\n") == std::string::npos)
        return missing();
      if (one.size() > f.max_length) {
        *error = "err_too_long";
        return nullptr;
      }
      return one;
  }
  return nullptr;
}

// The form field a kind's error names: "needs[1]" -> needs, "routing.region" -> region.
std::string FormFieldOf(std::string field) {
  if (field.rfind("routing.", 0) == 0)
    field = field.substr(8);
  if (auto bracket = field.find('['); bracket != std::string::npos)
    field = field.substr(0, bracket);
  if (field == "subject_ref")
    return "client_number";
  return field;
}

// A kind's error as the Text key shown beside the field.
std::string ErrorKey(const Error& e) {
  if (e.code == "missing_field" || e.code == "missing_header_field")
    return "err_required";
  if (e.code == "invalid_code")
    return "err_unknown_code";
  if (e.code == "legal_basis_required")
    return "err_legal_basis_required";
  return "err_invalid_value";
}

}  // namespace

ComposeReading ReadComposeForm(const KindForm& form, const MessageKind& kind,
                               const CodeLists& lists, const FormValues& values) {
  ComposeReading r;
  ComposeRequest& q = r.request;
  q.routing.kind = kind.name();
  const bool follow_up = form.Find("follow_reason") != nullptr;
  static const std::vector<std::string> kNone;
  for (const FormField& f : form.fields) {
    auto it = values.find(f.name);
    std::string error;
    json value = ReadField(f, it == values.end() ? kNone : it->second, &error);
    if (!error.empty()) {
      r.errors[f.name] = error;
      continue;
    }
    if (value.is_null())
      continue;
    if (f.name == "client_number") {
      q.client_number = value.get<std::string>();
      if (!CheckClientNumber(q.client_number))
        r.errors[f.name] = "err_invalid_client_number";
    } else if (f.name == "follow_reason") {
      q.follow_reason = value.get<std::string>();
      if (!CheckReasonText(q.follow_reason, f.name, /*required=*/true))
        r.errors[f.name] = "err_invalid_reason";
    } else if (f.name == "recipients") {
      q.recipients = value.get<std::vector<std::string>>();
    } else if (f.name == "legal_basis") {
      q.routing.legal_basis = ParseLegalBasis(value.get<std::string>());
    } else {
      if (f.part == FieldPart::kRouting || f.part == FieldPart::kRoutingAndPayload)
        q.routing.routing[f.name] = value.get<std::string>();
      if (f.part == FieldPart::kPayload || f.part == FieldPart::kRoutingAndPayload)
        q.payload[f.name] = std::move(value);
    }
  }
  if (!r.ok())
    return r;

  // The kind's own rules, in the order `ketenpoort send` applies them.
  const CodeListVersions versions = lists.LatestVersions();
  Status checked = ValidateRoutingInput(q.routing);
  if (checked) {
    // The pseudonym is made from the client number after these checks; what the header rule
    // asks is only whether there will be one.
    const bool subject = !q.client_number.empty() || follow_up;
    checked =
        kind.ValidateHeader({.routing = q.routing.routing,
                             .subject_ref = subject ? std::string(kPseudonymHexDigits, '0') : "",
                             .legal_basis = q.routing.legal_basis},
                            lists, versions);
  }
  if (checked && kind.spec().payload) {
    checked = kind.ValidatePayload(q.payload, lists, versions, q.routing.legal_basis.has_value());
    if (!checked && checked.error().code == "legal_basis_required") {
      // The field is fine; what it lacks is a legal basis beside it.
      r.errors[FormFieldOf(checked.error().field)] = "err_needs_legal_basis";
      r.errors["legal_basis"] = "err_legal_basis_required";
      return r;
    }
  }
  if (!checked) {
    std::string field = FormFieldOf(checked.error().field);
    if (form.Find(field) == nullptr)
      field = "kind";
    r.errors[field] = ErrorKey(checked.error());
  }
  return r;
}

}  // namespace ketenpoort::workspace
