#include "gateway/workspace/kind_form.h"

#include <algorithm>
#include <array>

#include "gateway/core/legal_basis.h"
#include "gateway/core/reason_text.h"
#include "gateway/workspace/workspace_pages.h"

namespace ketenpoort::workspace {

namespace {

using api::HtmlEscape;

// The routing keys in the order a person thinks of them (core/routing_rules.h RoutingKeys()).
constexpr std::array<std::string_view, 6> kRoutingOrder{"region",       "age_band", "gender",
                                                        "exploitation", "topic",    "urgency"};

// Longer text than this is a <textarea>.
constexpr std::size_t kLongText = 200;

std::vector<FormChoice> CodeChoices(const CodeLists& lists, const std::string& list) {
  std::vector<FormChoice> out;
  for (const std::string& code : lists.Codes(list, lists.Latest(list)))
    out.push_back({.value = code, .label_key = "code_" + list + "_" + code});
  return out;
}

std::vector<FormChoice> ValueChoices(const std::string& field,
                                     const std::vector<std::string>& values) {
  std::vector<FormChoice> out;
  for (const std::string& v : values)
    out.push_back({.value = v, .label_key = "value_" + field + "_" + v});
  return out;
}

// The field of one payload key.
FormField PayloadField(const FieldSpec& spec, const CodeLists& lists) {
  FormField f{.name = spec.name,
              .part = FieldPart::kPayload,
              .required = spec.required,
              .max_length = spec.max_length,
              .min = spec.min,
              .max = spec.max};
  switch (spec.type) {
    case FieldType::kString:
      f.input = spec.max_length > kLongText ? FormInput::kTextArea : FormInput::kText;
      break;
    case FieldType::kBool:
      f.input = FormInput::kYesNo;
      f.choices = {{.value = "true", .label_key = "yes"}, {.value = "false", .label_key = "no"}};
      break;
    case FieldType::kInteger:
      f.input = FormInput::kNumber;
      break;
    case FieldType::kDate:
      f.input = FormInput::kDate;
      break;
    case FieldType::kTime:
      f.input = FormInput::kDateTime;
      break;
    case FieldType::kEnum:
      f.input = FormInput::kSelect;
      f.choices = ValueChoices(spec.name, spec.values);
      break;
    case FieldType::kCode:
      f.input = FormInput::kSelect;
      f.list = spec.list;
      f.choices = CodeChoices(lists, spec.list);
      break;
    case FieldType::kCodes:
      f.input = FormInput::kCheckboxes;
      f.list = spec.list;
      f.choices = CodeChoices(lists, spec.list);
      break;
    case FieldType::kStrings:
      f.input = FormInput::kLines;
      break;
  }
  return f;
}

// The field of one routing key; `known` false when the kind offers no values for it.
FormField RoutingField(std::string_view key, const KindSpec& spec, const CodeLists& lists,
                       const FormContext& context, bool* known) {
  FormField f{.name = std::string(key), .part = FieldPart::kRouting, .input = FormInput::kSelect};
  f.required = std::find(spec.required_routing.begin(), spec.required_routing.end(), key) !=
               spec.required_routing.end();
  *known = true;
  if (key == "region") {
    for (const std::string& region : context.regions)
      f.choices.push_back({.value = region, .label_key = "region_" + region});
  } else if (key == "topic") {
    f.list = "need";  // routes match a referral's topic on what the person needs
    f.choices = CodeChoices(lists, f.list);
  } else if (auto e = spec.enum_routing.find(f.name); e != spec.enum_routing.end()) {
    f.choices = ValueChoices(f.name, e->second);
  } else if (lists.Has(key)) {
    f.list = f.name;
    f.choices = CodeChoices(lists, f.list);
  } else {
    *known = false;
  }
  return f;
}

std::string Attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + HtmlEscape(value) + "\"";
}

const std::vector<std::string>& ValuesOf(const FormValues& values, const std::string& name) {
  static const std::vector<std::string> kNone;
  auto it = values.find(name);
  return it == values.end() ? kNone : it->second;
}

std::string FirstValue(const FormValues& values, const std::string& name) {
  const auto& v = ValuesOf(values, name);
  return v.empty() ? std::string() : v.front();
}

std::string RequiredMark(const FormField& f) {
  return f.required ? " <span class=\"required\" aria-hidden=\"true\">*</span>" : "";
}

std::string ErrorText(api::Lang lang, const FormField& f, const FieldErrors& errors) {
  auto it = errors.find(f.name);
  if (it == errors.end())
    return "";
  return "<p class=\"error field-error\" id=\"f-" + HtmlEscape(f.name) + "-error\">" +
         HtmlEscape(Text(lang, it->second)) + "</p>";
}

// required, aria-required, aria-invalid and aria-describedby of an input.
std::string StateAttrs(const FormField& f, bool has_error) {
  std::string a;
  if (f.required)
    a += " required aria-required=\"true\"";
  if (has_error)
    a += " aria-invalid=\"true\"" + Attr("aria-describedby", "f-" + f.name + "-error");
  return a;
}

std::string RenderField(api::Lang lang, const FormField& f, const FormValues& values,
                        const FieldErrors& errors) {
  const bool has_error = errors.count(f.name) > 0;
  const std::string id = "f-" + f.name;
  const std::string label = HtmlEscape(FieldLabel(lang, f)) + RequiredMark(f);
  std::string b = "<div class=\"field\"" + Attr("id", "field-" + f.name) + ">";
  if (f.input == FormInput::kCheckboxes) {
    const auto& chosen = ValuesOf(values, f.name);
    b += "<fieldset" + Attr("id", id) +
         (has_error ? " aria-invalid=\"true\"" + Attr("aria-describedby", id + "-error") : "") +
         "><legend>" + label + "</legend>" + ErrorText(lang, f, errors);
    for (const FormChoice& c : f.choices) {
      const bool on = std::find(chosen.begin(), chosen.end(), c.value) != chosen.end();
      b += "<label class=\"check\"><input type=\"checkbox\"" + Attr("id", id + "-" + c.value) +
           Attr("name", f.name) + Attr("value", c.value) + (on ? " checked" : "") + "> " +
           HtmlEscape(ChoiceLabel(lang, c)) + "</label>";
    }
    return b + "</fieldset></div>";
  }
  b += "<label" + Attr("for", id) + ">" + label + "</label>" + ErrorText(lang, f, errors);
  const std::string common = Attr("id", id) + Attr("name", f.name) + StateAttrs(f, has_error);
  switch (f.input) {
    case FormInput::kSelect:
    case FormInput::kYesNo: {
      const std::string value = FirstValue(values, f.name);
      b += "<select" + common + "><option value=\"\">" +
           HtmlEscape(Text(lang, f.required ? "choose" : "not_given")) + "</option>";
      for (const FormChoice& c : f.choices) {
        b += "<option" + Attr("value", c.value) + (c.value == value ? " selected" : "") + ">" +
             HtmlEscape(ChoiceLabel(lang, c)) + "</option>";
      }
      b += "</select>";
      break;
    }
    case FormInput::kTextArea:
    case FormInput::kLines:
      b += "<textarea" + common + " rows=\"4\">";
      if (f.input == FormInput::kLines) {
        std::string joined;
        for (const std::string& line : ValuesOf(values, f.name))
          joined += (joined.empty() ? "" : "\n") + line;
        b += HtmlEscape(joined);
      } else {
        b += HtmlEscape(FirstValue(values, f.name));
      }
      b += "</textarea>";
      break;
    case FormInput::kNumber:
      b += "<input type=\"number\"" + common + Attr("min", std::to_string(f.min)) +
           Attr("max", std::to_string(f.max)) + Attr("value", FirstValue(values, f.name)) + ">";
      break;
    case FormInput::kDate:
      b += "<input type=\"date\"" + common + Attr("value", FirstValue(values, f.name)) + ">";
      break;
    case FormInput::kDateTime:
      b += "<input type=\"datetime-local\"" + common + Attr("value", FirstValue(values, f.name)) +
           ">";
      break;
    case FormInput::kText:
    case FormInput::kCheckboxes:  // handled above
      b += "<input type=\"text\"" + common + Attr("value", FirstValue(values, f.name)) +
           (f.name == "client_number" ? " autocomplete=\"off\" spellcheck=\"false\"" : "") + ">";
      break;
  }
  return b + "</div>";
}

}  // namespace

const FormField* KindForm::Find(std::string_view name) const {
  for (const FormField& f : fields) {
    if (f.name == name)
      return &f;
  }
  return nullptr;
}

KindForm FormForKind(const MessageKind& kind, const CodeLists& lists, const FormContext& context) {
  const KindSpec& spec = kind.spec();
  const bool routed = spec.audience == KindAudience::kOrganisations;
  KindForm form{.kind = spec.name};
  if (context.follow_up) {
    // One line, as the gateway records it in the tracking (core/reason_text.h).
    form.fields.push_back({.name = "follow_reason",
                           .part = FieldPart::kHeader,
                           .input = FormInput::kText,
                           .required = true,
                           .max_length = kMaxReasonBytes});
    if (routed && !context.recipient_choices.empty()) {
      form.fields.push_back({.name = "recipients",
                             .part = FieldPart::kHeader,
                             .input = FormInput::kCheckboxes,
                             .choices = context.recipient_choices});
    }
  } else if (routed) {
    form.fields.push_back({.name = "client_number",
                           .part = FieldPart::kHeader,
                           .input = FormInput::kText,
                           .required = spec.requires_subject_ref,
                           .max_length = 128});
  }
  std::vector<FormField> payload;
  if (spec.payload) {
    for (const FieldSpec& s : spec.payload->fields)
      payload.push_back(PayloadField(s, lists));
  }
  if (routed) {
    for (std::string_view key : kRoutingOrder) {
      bool known = false;
      FormField f = RoutingField(key, spec, lists, context, &known);
      auto same = std::find_if(payload.begin(), payload.end(),
                               [&](const FormField& p) { return p.name == key; });
      if (same != payload.end()) {
        // One field for both: the payload's values (the same list or enum), required if
        // either requires it.
        f.part = FieldPart::kRoutingAndPayload;
        f.required = f.required || same->required;
        f.input = same->input;
        f.choices = same->choices;
        f.list = same->list;
        f.max_length = same->max_length;
        known = true;
        payload.erase(same);
      }
      if (known)
        form.fields.push_back(std::move(f));
    }
  }
  for (FormField& f : payload)
    form.fields.push_back(std::move(f));
  if (routed) {
    FormField basis{.name = "legal_basis", .part = FieldPart::kHeader, .input = FormInput::kSelect};
    basis.required = spec.requires_legal_basis;
    for (LegalBasis b : AllLegalBases()) {
      const std::string name(LegalBasisName(b));
      basis.choices.push_back({.value = name, .label_key = "legal_basis_" + name});
    }
    form.fields.push_back(std::move(basis));
  }
  return form;
}

std::string FieldLabel(api::Lang lang, const FormField& field) {
  return std::string(Text(lang, "field_" + field.name));
}

std::string ChoiceLabel(api::Lang lang, const FormChoice& choice) {
  if (!choice.label.empty())
    return choice.label;
  const std::string_view text = Text(lang, choice.label_key);
  // A region the texts do not name yet shows its CBS code, which is its name in the registers.
  if (text == choice.label_key && choice.label_key.rfind("region_", 0) == 0)
    return choice.value;
  return std::string(text);
}

std::string RenderFormFields(api::Lang lang, const KindForm& form, const FormValues& values,
                             const FieldErrors& errors) {
  std::string b = "<p class=\"hint\">" + HtmlEscape(Text(lang, "required_note")) + "</p>";
  for (const FormField& f : form.fields) {
    b += RenderField(lang, f, values, errors);
    if (f.name == "client_number")
      b += "<p class=\"hint\" id=\"client-number-hint\">" +
           HtmlEscape(Text(lang, "hint_client_number")) + "</p>";
  }
  return b;
}

std::string RenderErrorSummary(api::Lang lang, const KindForm& form, const FieldErrors& errors) {
  std::string b = "<ul class=\"error-summary\">";
  bool any = false;
  auto item = [&](const std::string& name, std::string_view label, const std::string& key) {
    any = true;
    b += "<li><a" + Attr("href", "#f-" + name) + ">" + HtmlEscape(label) +
         "</a>: " + HtmlEscape(Text(lang, key)) + "</li>";
  };
  for (const FormField& f : form.fields) {
    if (auto it = errors.find(f.name); it != errors.end())
      item(f.name, FieldLabel(lang, f), it->second);
  }
  for (const auto& [name, key] : errors) {
    if (form.Find(name) == nullptr)
      item(name, name, key);  // not a field of the form: a bug, shown rather than lost
  }
  return any ? b + "</ul>" : "";
}

}  // namespace ketenpoort::workspace
