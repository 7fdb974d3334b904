// The compose forms without a gateway: the form each kind's spec generates (kind_form.h) and
// the reading of a posted form back into the payload, routing and legal basis
// (compose_request.h), for every kind routed to organisations and for the follow-ups.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/kinds/registry.h"
#include "gateway/workspace/compose_pages.h"
#include "gateway/workspace/compose_request.h"
#include "gateway/workspace/kind_form.h"
#include "gateway/workspace/workspace_pages.h"

namespace ketenpoort::workspace {
namespace {

const KindRegistry& Kinds() {
  return kinds::BuiltinKinds();
}

const CodeLists& Lists() {
  return Kinds().code_lists();
}

KindForm FormOf(const std::string& kind,
                FormContext context = {.regions = {"GM0518", "GM0599", "NL"}}) {
  return FormForKind(*Kinds().Find(kind), Lists(), context);
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A referral a coordinator could send: the values as a browser posts them.
FormValues GoodReferral() {
  return {{"client_number", {"2026-0042"}},
          {"region", {"GM0518"}},
          {"age_band", {"adult"}},
          {"urgency", {"urgent"}},
          {"client_ref", {"dossier-17"}},
          {"needs", {"shelter", "medical"}},
          {"summary", {"Heeft vandaag opvang nodig."}}};
}

TEST(KindFormTest, EveryCodeOfEveryListHasALabelInDutchAndInEnglish) {
  for (const std::string& list : Lists().Names()) {
    for (int version = 1; version <= Lists().Latest(list); ++version) {
      for (const std::string& code : Lists().Codes(list, version)) {
        const std::string key = "code_" + list + "_" + code;
        EXPECT_NE(Text(Lang::kNl, key), key) << "no Dutch label for " << key;
        EXPECT_NE(Text(Lang::kEn, key), key) << "no English label for " << key;
      }
    }
  }
}

TEST(KindFormTest, EveryFieldAndChoiceOfEveryFormIsLabelledInBothLanguages) {
  for (const MessageKind* kind : Kinds().All()) {
    if (kind->spec().audience == KindAudience::kEmailAddresses)
      continue;  // secure mail has a composer of its own
    for (bool follow_up : {false, true}) {
      KindForm form = FormOf(
          kind->name(), {.regions = {"GM0518", "GM0599", "GM0268", "NL"}, .follow_up = follow_up});
      ASSERT_FALSE(form.fields.empty()) << kind->name();
      for (Lang lang : {Lang::kNl, Lang::kEn}) {
        const std::string html = RenderFormFields(lang, form, {}, {});
        for (const FormField& f : form.fields) {
          EXPECT_NE(FieldLabel(lang, f), "field_" + f.name) << kind->name() << ": " << f.name;
          for (const FormChoice& c : f.choices) {
            const std::string label = ChoiceLabel(lang, c);
            EXPECT_NE(label, c.label_key) << kind->name() << ": " << f.name << " " << c.value;
            EXPECT_NE(label, c.value) << "a bare code: " << f.name << " " << c.value;
            EXPECT_TRUE(Contains(html, ">" + api::HtmlEscape(label) + "<") ||
                        Contains(html, "> " + api::HtmlEscape(label) + "<"))
                << label;
          }
        }
      }
      EXPECT_NE(Text(Lang::kNl, "kind_" + kind->name()), Text(Lang::kEn, "kind_" + kind->name()))
          << "the kind's name in two languages";
    }
  }
}

TEST(KindFormTest, FieldsAreNamedAsTheJsonFieldsTheyFill) {
  for (const std::string kind : {"referral", "signal", "b8"}) {
    KindForm form = FormOf(kind);
    const KindSpec& spec = Kinds().Find(kind)->spec();
    for (const FieldSpec& s : spec.payload->fields) {
      const FormField* f = form.Find(s.name);
      ASSERT_NE(f, nullptr) << kind << " has no field " << s.name;
      EXPECT_TRUE(f->part == FieldPart::kPayload || f->part == FieldPart::kRoutingAndPayload);
      EXPECT_EQ(f->required, s.required || std::count(spec.required_routing.begin(),
                                                      spec.required_routing.end(), s.name) > 0)
          << s.name;
    }
    for (const std::string& key : spec.required_routing) {
      ASSERT_NE(form.Find(key), nullptr) << kind << " " << key;
      EXPECT_TRUE(form.Find(key)->required) << key;
    }
    ASSERT_NE(form.Find("legal_basis"), nullptr);
    EXPECT_EQ(form.Find("client_number")->required, spec.requires_subject_ref) << kind;
    EXPECT_EQ(form.Find("follow_reason"), nullptr);
  }
  // The referral's urgency is routing and payload at once: one field.
  KindForm referral = FormOf("referral");
  EXPECT_EQ(std::count_if(referral.fields.begin(), referral.fields.end(),
                          [](const FormField& f) { return f.name == "urgency"; }),
            1);
  // A follow-up reuses the subject of the message it follows: no client number, a reason.
  KindForm follow =
      FormOf("referral", {.regions = {"GM0518"},
                          .follow_up = true,
                          .recipient_choices = {{.value = "wende-denhaag", .label = "Wende"}}});
  EXPECT_EQ(follow.Find("client_number"), nullptr);
  ASSERT_NE(follow.Find("follow_reason"), nullptr);
  EXPECT_TRUE(follow.Find("follow_reason")->required);
  ASSERT_NE(follow.Find("recipients"), nullptr);
  KindForm question = FormOf("question", {.follow_up = true});
  std::vector<std::string> names;
  for (const FormField& f : question.fields)
    names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"follow_reason", "text"}));
}

// The form's own controls must not shadow a field: a b8's `step` once shared its name with the
// preview/send buttons, and the workspace could not send a b8.
TEST(KindFormTest, NoFieldOfAnyKindTakesTheNameOfAControlOfTheForm) {
  for (const MessageKind* k : Kinds().All()) {
    for (bool follow_up : {false, true}) {
      KindForm form = FormOf(k->name(), {.follow_up = follow_up});
      for (const FormField& f : form.fields) {
        EXPECT_EQ(std::count(kComposeControls.begin(), kComposeControls.end(), f.name), 0)
            << k->name() << "." << f.name;
      }
    }
  }
}

TEST(KindFormTest, RendersCodesAsLabelledChoicesDatesAsDateInputsAndMarksRequiredFields) {
  const std::string nl = RenderFormFields(Lang::kNl, FormOf("signal"), {}, {});
  EXPECT_TRUE(Contains(nl, "<label for=\"f-age_band\">Leeftijd <span class=\"required\""));
  EXPECT_TRUE(Contains(nl,
                       "<select id=\"f-age_band\" name=\"age_band\" required "
                       "aria-required=\"true\">"));
  EXPECT_TRUE(Contains(nl, "<option value=\"minor\">Minderjarig (onder 18)</option>"));
  EXPECT_TRUE(Contains(nl, "<legend>Signalen <span class=\"required\""));
  EXPECT_TRUE(Contains(nl, "name=\"indicators\" value=\"debt_bondage\"> Schuldslavernij</label>"));
  EXPECT_TRUE(Contains(nl, "<input type=\"date\" id=\"f-observed_on\" name=\"observed_on\""));
  EXPECT_TRUE(Contains(nl, "<option value=\"GM0518\">Den Haag (GM0518)</option>"));
  EXPECT_TRUE(Contains(nl, "<option value=\"vital_interest\">Vitaal belang</option>"));
  EXPECT_FALSE(Contains(nl, "<select id=\"f-legal_basis\" name=\"legal_basis\" required"));
  const std::string en = RenderFormFields(Lang::kEn, FormOf("signal"), {}, {});
  EXPECT_TRUE(Contains(en, "<option value=\"minor\">Minor (under 18)</option>"));
  EXPECT_TRUE(Contains(en, "> Debt bondage</label>"));
  const std::string b8 = RenderFormFields(Lang::kNl, FormOf("b8"), {}, {});
  EXPECT_TRUE(Contains(b8, "<option value=\"reflection_offered\">Bedenktijd aangeboden</option>"));
  EXPECT_TRUE(Contains(b8, "<input type=\"date\" id=\"f-reflection_start\""));
}

TEST(KindFormTest, KeepsThePostedValuesEscapedAndShowsEachErrorBesideItsField) {
  FormValues values = GoodReferral();
  values["summary"] = {"<b>\"a\" & b</b>"};
  const KindForm form = FormOf("referral");
  const std::string html = RenderFormFields(Lang::kNl, form, values, {{"needs", "err_required"}});
  EXPECT_TRUE(Contains(html, "&lt;b&gt;&quot;a&quot; &amp; b&lt;/b&gt;</textarea>"));
  EXPECT_FALSE(Contains(html, "<b>"));
  EXPECT_TRUE(Contains(html, "value=\"2026-0042\""));
  EXPECT_TRUE(Contains(html, "<option value=\"GM0518\" selected>"));
  EXPECT_TRUE(Contains(html, "value=\"shelter\" checked"));
  EXPECT_TRUE(Contains(html,
                       "<fieldset id=\"f-needs\" aria-invalid=\"true\" "
                       "aria-describedby=\"f-needs-error\"><legend>Behoeften"));
  EXPECT_TRUE(Contains(html,
                       "<p class=\"error field-error\" id=\"f-needs-error\">Vul dit veld "
                       "in.</p>"));
  const std::string summary = RenderErrorSummary(Lang::kEn, form, {{"needs", "err_required"}});
  EXPECT_EQ(summary,
            "<ul class=\"error-summary\"><li><a href=\"#f-needs\">Needs</a>: Fill in this "
            "field.</li></ul>");
}

TEST(ComposeRequestTest, ReadsAReferralIntoItsPayloadRoutingAndClientNumber) {
  const MessageKind& referral = *Kinds().Find("referral");
  FormValues values = GoodReferral();
  values["legal_basis"] = {"consent"};
  ComposeReading r = ReadComposeForm(FormOf("referral"), referral, Lists(), values);
  ASSERT_TRUE(r.ok()) << r.errors.begin()->first << " " << r.errors.begin()->second;
  EXPECT_EQ(r.request.routing.kind, "referral");
  EXPECT_EQ(r.request.routing.routing,
            (std::map<std::string, std::string>{
                {"age_band", "adult"}, {"region", "GM0518"}, {"urgency", "urgent"}}));
  EXPECT_EQ(r.request.routing.legal_basis, LegalBasis::kConsent);
  EXPECT_EQ(r.request.payload,
            nlohmann::json::parse(R"({"client_ref":"dossier-17","needs":["shelter","medical"],
                                      "urgency":"urgent","summary":"Heeft vandaag opvang nodig."})"));
  // The client number is for the pseudonym alone: it is in neither the payload nor the routing.
  EXPECT_EQ(r.request.client_number, "2026-0042");
  EXPECT_FALSE(Contains(r.request.payload.dump(), "2026-0042"));
  EXPECT_TRUE(
      referral.ValidatePayload(r.request.payload, Lists(), Lists().LatestVersions(), true).ok());
}

TEST(ComposeRequestTest, NamesEveryMissingRequiredField) {
  ComposeReading r = ReadComposeForm(FormOf("referral"), *Kinds().Find("referral"), Lists(),
                                     {{"region", {"GM0518"}}, {"summary", {"   "}}});
  EXPECT_EQ(r.errors, (FieldErrors{{"age_band", "err_required"},
                                   {"client_number", "err_required"},
                                   {"client_ref", "err_required"},
                                   {"needs", "err_required"},
                                   {"urgency", "err_required"}}));
  const std::string summary = RenderErrorSummary(Lang::kNl, FormOf("referral"), r.errors);
  EXPECT_TRUE(Contains(summary, "<a href=\"#f-needs\">Behoeften</a>: Vul dit veld in."));
  // A signal needs no client number, but its indicators and whether the person is a minor.
  ComposeReading s = ReadComposeForm(FormOf("signal"), *Kinds().Find("signal"), Lists(),
                                     {{"region", {"GM0599"}}, {"age_band", {"minor"}}});
  EXPECT_EQ(s.errors, (FieldErrors{{"indicators", "err_required"}, {"minor", "err_required"}}));
}

TEST(ComposeRequestTest, RefusesUnknownCodesValuesAndDates) {
  FormValues values = GoodReferral();
  values["needs"] = {"shelter", "shelterr"};
  values["age_band"] = {"teen"};
  values["urgency"] = {"whenever"};
  values["language"] = {std::string(36, 'a')};
  ComposeReading r =
      ReadComposeForm(FormOf("referral"), *Kinds().Find("referral"), Lists(), values);
  EXPECT_EQ(r.errors, (FieldErrors{{"age_band", "err_unknown_code"},
                                   {"language", "err_too_long"},
                                   {"needs", "err_unknown_code"},
                                   {"urgency", "err_invalid_choice"}}));
  FormValues signal = {{"region", {"GM0599"}},          {"age_band", {"minor"}},
                       {"indicators", {"isolation"}},   {"minor", {"maybe"}},
                       {"observed_on", {"2026-02-30"}}, {"exploitation", {"labour"}}};
  ComposeReading s = ReadComposeForm(FormOf("signal"), *Kinds().Find("signal"), Lists(), signal);
  EXPECT_EQ(s.errors,
            (FieldErrors{{"minor", "err_invalid_choice"}, {"observed_on", "err_invalid_date"}}));
  // A region no organisation serves is not offered.
  FormValues elsewhere = GoodReferral();
  elsewhere["region"] = {"GM0363"};
  EXPECT_EQ(ReadComposeForm(FormOf("referral"), *Kinds().Find("referral"), Lists(), elsewhere)
                .errors.at("region"),
            "err_invalid_choice");
}

TEST(ComposeRequestTest, ASignalWithIdentityAsksForALegalBasis) {
  FormValues values = {{"region", {"GM0518"}},
                       {"age_band", {"adult"}},
                       {"indicators", {"isolation", "debt_bondage"}},
                       {"minor", {"false"}},
                       {"exploitation", {"labour"}},
                       {"identity", {"Naam en geboortedatum"}}};
  const MessageKind& signal = *Kinds().Find("signal");
  ComposeReading r = ReadComposeForm(FormOf("signal"), signal, Lists(), values);
  EXPECT_EQ(r.errors, (FieldErrors{{"identity", "err_needs_legal_basis"},
                                   {"legal_basis", "err_legal_basis_required"}}));
  values["legal_basis"] = {"vital_interest"};
  r = ReadComposeForm(FormOf("signal"), signal, Lists(), values);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request.payload["minor"], false);
  EXPECT_EQ(r.request.payload["exploitation"], "labour");
  EXPECT_EQ(r.request.routing.routing.at("exploitation"), "labour");
  EXPECT_TRUE(r.request.client_number.empty());
}

TEST(ComposeRequestTest, AClientNumberIsCheckedButNeverEchoed) {
  FormValues values = GoodReferral();
  values["client_number"] = {"2026\n0042"};
  ComposeReading r =
      ReadComposeForm(FormOf("referral"), *Kinds().Find("referral"), Lists(), values);
  EXPECT_EQ(r.errors, (FieldErrors{{"client_number", "err_invalid_client_number"}}));
  const std::string summary = RenderErrorSummary(Lang::kNl, FormOf("referral"), r.errors);
  EXPECT_FALSE(Contains(summary, "2026"));
}

TEST(ComposeRequestTest, AFollowUpNeedsAOneLineReasonAndNoClientNumber) {
  const KindForm form =
      FormOf("referral", {.regions = {"GM0518"},
                          .follow_up = true,
                          .recipient_choices = {{.value = "wende-denhaag", .label = "Wende"}}});
  FormValues values = GoodReferral();
  values.erase("client_number");
  values["recipients"] = {"wende-denhaag"};
  ComposeReading r = ReadComposeForm(form, *Kinds().Find("referral"), Lists(), values);
  EXPECT_EQ(r.errors, (FieldErrors{{"follow_reason", "err_required"}}));
  values["follow_reason"] = {"eerst\nafgewezen"};
  EXPECT_EQ(ReadComposeForm(form, *Kinds().Find("referral"), Lists(), values).errors,
            (FieldErrors{{"follow_reason", "err_invalid_reason"}}));
  values["follow_reason"] = {"afgewezen door De Haven: geen plek"};
  r = ReadComposeForm(form, *Kinds().Find("referral"), Lists(), values);
  ASSERT_TRUE(r.ok()) << r.errors.begin()->first;
  EXPECT_EQ(r.request.recipients, std::vector<std::string>{"wende-denhaag"});
  values["recipients"] = {"ind"};  // not offered
  EXPECT_EQ(
      ReadComposeForm(form, *Kinds().Find("referral"), Lists(), values).errors.at("recipients"),
      "err_invalid_choice");
  // A question: a reason and the text, nothing else.
  const MessageKind& question = *Kinds().Find("question");
  ComposeReading q = ReadComposeForm(FormOf("question", {.follow_up = true}), question, Lists(),
                                     {{"follow_reason", {"vraag"}}, {"text", {"Is er plek?"}}});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q.request.payload, nlohmann::json({{"text", "Is er plek?"}}));
  EXPECT_TRUE(q.request.routing.routing.empty());
}

}  // namespace
}  // namespace ketenpoort::workspace
