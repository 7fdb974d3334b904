// The message kinds on a real demo gateway over HTTPS: the clear-text header each kind needs,
// the code-list versions a message records, lifecycles (409 for a refused transition, 403 for
// an organisation kind that may not set a state, b8 moving the whole procedure), the legal
// basis rule and how every hand-off shows its basis, and `ketenpoort send`/`open` checking
// payloads against the kind's schema.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <map>

#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

class KindsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dep_ = Deployment::Create().release();
    gw_ = new GatewayProcess(dep_->config_path());
    ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path())) << gw_->error;
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gw_->Terminate(), 0);
    delete gw_;
    delete dep_;
  }

  HttpResponse Post(const std::string& path, const json& body, const std::string& org) const {
    return HttpsClient(dep_->ca_path()).Post(dep_->url() + path, body.dump(), dep_->Token(org));
  }
  HttpResponse Get(const std::string& path, const std::string& org) const {
    return HttpsClient(dep_->ca_path()).Get(dep_->url() + path, dep_->Token(org));
  }
  // Submits `header` from `sender`, sealed for `recipients` and the sender.
  HttpResponse Submit(const std::string& sender, json header,
                      const std::vector<std::string>& recipients) {
    std::vector<std::string> to = recipients;
    to.push_back(sender);
    header["payload"] = sealer_.SealBase64(sender, to, R"({"synthetic": true})");
    return Post("/v1/messages", header, sender);
  }
  static json Error(const HttpResponse& r) { return json::parse(r.body)["error"]; }
  HttpResponse Status(const std::string& id, const std::string& state, const std::string& org) {
    return Post("/v1/messages/" + id + "/status", {{"state", state}}, org);
  }
  json Tracking(const std::string& id, const std::string& sender) {
    auto r = Get("/v1/messages/" + id + "/tracking", sender);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }

  static json UrgentShelterReferral() {
    return {{"kind", "referral"},
            {"routing",
             {{"region", "GM0518"},
              {"age_band", "adult"},
              {"gender", "male"},
              {"topic", "shelter"},
              {"urgency", "urgent"}}},
            {"subject_ref", "773d64c5d95cb674a07d8d23c1d3657b4350b60c8d03eed4805fcfc0edec12d2"},
            {"legal_basis", "consent"}};
  }
  static json B8() {
    return {{"kind", "b8"},
            {"routing", {{"region", "GM0518"}}},
            {"subject_ref", "9ca4c3ad2914f49ffac6161f31c55706ddb33dc443d699bc8308d55facee6e03"},
            {"legal_basis", "legal_obligation"}};
  }

  static Deployment* dep_;
  static GatewayProcess* gw_;
  Sealer sealer_{dep_->dir()};
};

Deployment* KindsTest::dep_ = nullptr;
GatewayProcess* KindsTest::gw_ = nullptr;

TEST_F(KindsTest, EachKindRefusesAHeaderWithoutItsRoutingKeysNamingTheField) {
  struct Row {
    std::string name;
    json header;
    std::vector<std::string> sealed_for;
    long status;
    std::string code;
    std::string field;
    std::string from = "shop-denhaag";
  };
  json no_urgency = UrgentShelterReferral();
  no_urgency["routing"].erase("urgency");
  json bad_urgency = UrgentShelterReferral();
  bad_urgency["routing"]["urgency"] = "asap";
  json no_pseudonym = UrgentShelterReferral();
  no_pseudonym.erase("subject_ref");
  json no_age = {{"kind", "signal"}, {"routing", {{"region", "GM0599"}}}};
  json teen = {{"kind", "signal"}, {"routing", {{"region", "GM0599"}, {"age_band", "teen"}}}};
  json b8_nobody = B8();
  b8_nobody.erase("subject_ref");
  json v1_labour = {
      {"kind", "signal"},
      {"routing", {{"region", "GM0599"}, {"age_band", "minor"}, {"exploitation", "labour"}}},
      {"codelists", {{"exploitation", 1}}}};
  json v9 = v1_labour;
  v9["codelists"]["exploitation"] = 9;
  const std::vector<std::string> minor = {"comensha", "meldpunt-rotterdam",
                                          "veilig-thuis-rotterdam"};
  const Row rows[] = {
      {"referral without urgency",
       no_urgency,
       {"wende-denhaag"},
       400,
       "missing_header_field",
       "routing.urgency"},
      {"referral with a made-up urgency",
       bad_urgency,
       {"wende-denhaag"},
       400,
       "invalid_routing_value",
       "routing.urgency"},
      {"referral without pseudonym",
       no_pseudonym,
       {"wende-denhaag"},
       400,
       "missing_header_field",
       "subject_ref"},
      {"signal without age band",
       no_age,
       {"comensha"},
       400,
       "missing_header_field",
       "routing.age_band"},
      {"signal with a code not in the list",
       teen,
       {"comensha"},
       400,
       "invalid_code",
       "routing.age_band"},
      {"b8 without pseudonym",
       b8_nobody,
       {"comensha", "ind", "shop-denhaag"},
       400,
       "missing_header_field",
       "subject_ref",
       "politie-avim-haaglanden"},
      {"b8 from a care coordinator", B8(), {"comensha", "ind"}, 403, "sender_not_permitted", ""},
      {"labour under exploitation v1", v1_labour, minor, 400, "invalid_code",
       "routing.exploitation"},
      {"a code-list version that does not exist", v9, minor, 400, "invalid_codelist_version",
       "codelists.exploitation"},
  };
  for (const Row& row : rows) {
    auto r = Submit(row.from, row.header, row.sealed_for);
    EXPECT_EQ(r.status, row.status) << row.name << ": " << r.body;
    if (r.status >= 400) {
      EXPECT_EQ(Error(r)["code"], row.code) << row.name;
      const json field = Error(r)["field"];  // null for an error of no one field
      EXPECT_EQ(field.is_null() ? "" : field.get<std::string>(), row.field) << row.name;
    }
  }
}

TEST_F(KindsTest, EveryMessageRecordsTheCodeListVersionsItUsed) {
  json v1 = {{"kind", "signal"},
             {"routing", {{"region", "GM0599"}, {"age_band", "minor"}, {"exploitation", "other"}}},
             {"codelists", {{"exploitation", 1}}}};
  auto old =
      Submit("shop-denhaag", v1, {"comensha", "meldpunt-rotterdam", "veilig-thuis-rotterdam"});
  ASSERT_EQ(old.status, 202) << old.body;
  json t = Tracking(json::parse(old.body)["id"], "shop-denhaag");
  EXPECT_EQ(t["codelists"]["exploitation"], 1);
  EXPECT_EQ(t["codelists"]["age_band"], 1);
  json latest = v1;
  latest.erase("codelists");
  latest["routing"]["exploitation"] = "labour";
  auto now =
      Submit("shop-denhaag", latest, {"comensha", "meldpunt-rotterdam", "veilig-thuis-rotterdam"});
  ASSERT_EQ(now.status, 202) << now.body;
  const std::string id = json::parse(now.body)["id"];
  EXPECT_EQ(Tracking(id, "shop-denhaag")["codelists"]["exploitation"], 2);
  auto fetched = Get("/v1/messages/" + id, "comensha");
  ASSERT_EQ(fetched.status, 200);
  EXPECT_EQ(json::parse(fetched.body)["codelists"]["exploitation"], 2);
}

TEST_F(KindsTest, AReferralIsAnsweredByItsShelterOnly) {
  auto r = Submit("shop-denhaag", UrgentShelterReferral(), {"wende-denhaag"});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["id"];
  // A state of another kind, and a nonsense state.
  EXPECT_EQ(Status(id, "granted", "wende-denhaag").status, 409);
  EXPECT_EQ(Status(id, "shredded", "wende-denhaag").status, 400);
  // The sender cannot accept on the shelter's behalf: only a recipient sets that.
  auto on_behalf = Status(id, "accepted", "shop-denhaag");
  EXPECT_EQ(on_behalf.status, 403);
  EXPECT_EQ(Error(on_behalf)["code"], "state_not_permitted");
  ASSERT_EQ(Status(id, "accepted", "wende-denhaag").status, 200);
  auto refused = Status(id, "declined", "wende-denhaag");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(Error(refused)["code"], "invalid_transition");
  ASSERT_EQ(Status(id, "intake_planned", "wende-denhaag").status, 200);
  json w = Tracking(id, "shop-denhaag")["recipients"][0];
  EXPECT_EQ(w["state"], "intake_planned");
}

// A shelter that declines says why in a code of the versioned list decline_reason, and in words
// for "other"; the coordinator reads both in the tracking and can act on them.
TEST_F(KindsTest, ADeclineCarriesACodedReason) {
  auto r = Submit("shop-denhaag", UrgentShelterReferral(), {"wende-denhaag"});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["id"];
  const std::string path = "/v1/messages/" + id + "/status";
  struct Case {
    json body;
    long status;
    std::string code;
  };
  const std::vector<Case> refused = {
      {{{"state", "declined"}}, 422, "reason_code_required"},
      {{{"state", "declined"}, {"code", "full"}}, 400, "invalid_code"},
      {{{"state", "declined"}, {"code", "other"}}, 422, "reason_required"},
      {{{"state", "needs_info"}, {"code", "safety"}}, 400, "code_not_expected"},
  };
  for (const Case& c : refused) {
    auto answer = Post(path, c.body, "wende-denhaag");
    EXPECT_EQ(answer.status, c.status) << c.body.dump() << ": " << answer.body;
    EXPECT_EQ(Error(answer)["code"], c.code) << c.body.dump();
  }
  EXPECT_EQ(Tracking(id, "shop-denhaag")["recipients"][0]["state"], "delivered");
  auto declined =
      Post(path, {{"state", "declined"}, {"code", "no_place"}, {"reason", "full until next week"}},
           "wende-denhaag");
  ASSERT_EQ(declined.status, 200) << declined.body;
  json last = Tracking(id, "shop-denhaag")["recipients"][0]["events"].back();
  EXPECT_EQ(last["state"], "declined");
  EXPECT_EQ(last["code"], "no_place");
  EXPECT_EQ(last["reason"], "full until next week");
}

// After a shelter declines, the coordinator refers the client on to another organisation of
// the region that takes referrals, though no rule routes there: a follow-up, linked to the
// first referral (one case, one thread), with the reason recorded. What it may not do: follow
// up another's message, change the client or the kind, or go outside the region.
TEST_F(KindsTest, AfterADeclineTheCoordinatorRefersOnInTheSameThread) {
  auto first = Submit("shop-denhaag", UrgentShelterReferral(), {"wende-denhaag"});
  ASSERT_EQ(first.status, 202) << first.body;
  const std::string id = json::parse(first.body)["id"];
  ASSERT_EQ(Post("/v1/messages/" + id + "/status",
                 {{"state", "declined"}, {"code", "no_place"}, {"reason", "full"}}, "wende-denhaag")
                .status,
            200);

  // Without "follows", the rules decide: De Haven is not the routed shelter.
  json named = UrgentShelterReferral();
  named["recipients"] = {"dehaven-denhaag"};
  auto unrouted = Submit("shop-denhaag", named, {"dehaven-denhaag"});
  EXPECT_EQ(unrouted.status, 422) << unrouted.body;
  EXPECT_EQ(Error(unrouted)["code"], "recipient_not_routed");

  json follow = UrgentShelterReferral();
  follow["follows"] = id;
  follow["follow_reason"] = "declined by the shelter: no place";
  struct Case {
    std::function<void(json&)> change;
    std::vector<std::string> to;
    std::string sender;
    long status;
    std::string code;
  };
  const std::vector<Case> refused = {
      {[](json& b) { b.erase("follow_reason"); },
       {"dehaven-denhaag"},
       "shop-denhaag",
       400,
       "invalid_reason"},
      {[](json& b) { b["follows"] = "m-nobody-has-this"; },
       {"dehaven-denhaag"},
       "shop-denhaag",
       404,
       "message_not_found"},
      // Another organisation's message cannot be followed up, nor learnt about.
      {[](json&) {}, {"comensha"}, "essm-rotterdam", 404, "message_not_found"},
      {[](json& b) { b["subject_ref"] = std::string(64, 'a'); },
       {"dehaven-denhaag"},
       "shop-denhaag",
       422,
       "subject_mismatch"},
      {[](json& b) { b["kind"] = "signal"; },
       {"comensha"},
       "shop-denhaag",
       422,
       "follow_up_kind_mismatch"},
      {[](json&) {}, {"iriszorg-nijmegen"}, "shop-denhaag", 422, "recipient_outside_region"},
      {[](json&) {}, {"ind"}, "shop-denhaag", 422, "kind_not_accepted"},
  };
  for (const Case& c : refused) {
    json body = follow;
    body["recipients"] = c.to;
    c.change(body);
    auto r = Submit(c.sender, body, c.to);
    EXPECT_EQ(r.status, c.status) << body.dump() << ": " << r.body;
    EXPECT_EQ(Error(r)["code"], c.code) << r.body;
  }

  follow["recipients"] = {"dehaven-denhaag"};
  auto second = Submit("shop-denhaag", follow, {"dehaven-denhaag"});
  ASSERT_EQ(second.status, 202) << second.body;
  const std::string next = json::parse(second.body)["id"];
  // The new shelter sees where it stands in the case, not why the first one declined.
  auto fetched = Get("/v1/messages/" + next, "dehaven-denhaag");
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  EXPECT_EQ(json::parse(fetched.body)["follows"], id);
  EXPECT_EQ(json::parse(fetched.body)["thread"], id);
  EXPECT_EQ(fetched.body.find("no place"), std::string::npos) << fetched.body;
  // The coordinator's tracking holds the reason and the whole thread, from either message.
  json tracking = Tracking(next, "shop-denhaag");
  EXPECT_EQ(tracking["follows"], id);
  EXPECT_EQ(tracking["follow_reason"], "declined by the shelter: no place");
  EXPECT_EQ(tracking["thread_messages"], json::array({id, next}));
  EXPECT_EQ(Tracking(id, "shop-denhaag")["thread_messages"], json::array({id, next}));

  // A third hand-off follows the second and stays in the first one's thread.
  json third = follow;
  third["follows"] = next;
  third["follow_reason"] = "second shelter has no place for men either";
  third["recipients"] = {"comensha"};
  auto r3 = Submit("shop-denhaag", third, {"comensha"});
  ASSERT_EQ(r3.status, 202) << r3.body;
  const std::string last = json::parse(r3.body)["id"];
  EXPECT_EQ(Tracking(last, "shop-denhaag")["thread"], id);
  EXPECT_EQ(Tracking(id, "shop-denhaag")["thread_messages"], json::array({id, next, last}));
}

// The shelter asks the coordinator a question before it decides, and gets the answer, in the
// case's thread: each travels sealed to the other party alone, the question moves the
// shelter's delivery to needs_info, the answer back to received, and each step is audited.
TEST_F(KindsTest, AShelterAsksAQuestionAndTheAnswerBringsTheReferralBack) {
  auto first = Submit("shop-denhaag", UrgentShelterReferral(), {"wende-denhaag"});
  ASSERT_EQ(first.status, 202) << first.body;
  const std::string id = json::parse(first.body)["id"];
  const std::string subject = UrgentShelterReferral()["subject_ref"];
  auto turn = [&](const std::string& kind, const std::string& follows, const std::string& from,
                  const std::string& to) {
    json body = {{"kind", kind},
                 {"follows", follows},
                 {"follow_reason", kind + " about the intake"},
                 {"subject_ref", subject}};
    return Submit(from, body, {to});
  };
  auto wende_state = [&] {
    const json tracking = Tracking(id, "shop-denhaag");
    for (const json& r : tracking["recipients"]) {
      if (r["org"] == "wende-denhaag")
        return r["state"].get<std::string>();
    }
    return std::string("none");
  };

  // Who may not ask, or answer, and a question that names no message.
  auto outsider = turn("question", id, "dehaven-denhaag", "shop-denhaag");
  EXPECT_EQ(outsider.status, 404) << outsider.body;
  EXPECT_EQ(Error(outsider)["code"], "message_not_found");
  auto own = turn("question", id, "shop-denhaag", "shop-denhaag");
  EXPECT_EQ(own.status, 404) << own.body;
  json unlinked = {{"kind", "question"}, {"subject_ref", subject}};
  auto nothing = Submit("wende-denhaag", unlinked, {"shop-denhaag"});
  EXPECT_EQ(nothing.status, 400) << nothing.body;
  EXPECT_EQ(Error(nothing)["code"], "follows_required");
  json elsewhere = {{"kind", "question"},
                    {"follows", id},
                    {"follow_reason", "a line"},
                    {"subject_ref", subject},
                    {"recipients", {"comensha"}}};
  auto wrong_party = Submit("wende-denhaag", elsewhere, {"comensha"});
  EXPECT_EQ(wrong_party.status, 422) << wrong_party.body;
  EXPECT_EQ(Error(wrong_party)["code"], "recipient_not_party");
  auto no_question = turn("answer", id, "shop-denhaag", "wende-denhaag");
  EXPECT_EQ(no_question.status, 404) << no_question.body;
  EXPECT_EQ(wende_state(), "delivered");

  auto asked = turn("question", id, "wende-denhaag", "shop-denhaag");
  ASSERT_EQ(asked.status, 202) << asked.body;
  const std::string question = json::parse(asked.body)["id"];
  EXPECT_EQ(json::parse(asked.body)["recipients"], json::array({"shop-denhaag"}));
  EXPECT_EQ(wende_state(), "needs_info");
  auto twice = turn("question", id, "wende-denhaag", "shop-denhaag");
  EXPECT_EQ(twice.status, 409) << twice.body;
  // The coordinator finds the question in its inbox, in the case's thread.
  auto fetched = Get("/v1/messages/" + question, "shop-denhaag");
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  EXPECT_EQ(json::parse(fetched.body)["follows"], id);
  EXPECT_EQ(json::parse(fetched.body)["thread"], id);
  EXPECT_EQ(Get("/v1/messages/" + question, "dehaven-denhaag").status, 404);
  // Only the case's sender answers, and only a question.
  EXPECT_EQ(turn("answer", question, "wende-denhaag", "wende-denhaag").status, 404);

  auto answered = turn("answer", question, "shop-denhaag", "wende-denhaag");
  ASSERT_EQ(answered.status, 202) << answered.body;
  const std::string answer = json::parse(answered.body)["id"];
  EXPECT_EQ(wende_state(), "received");
  EXPECT_EQ(Tracking(id, "shop-denhaag")["thread_messages"], json::array({id, question, answer}));
  EXPECT_EQ(Get("/v1/messages/" + answer, "wende-denhaag").status, 200);
  ASSERT_EQ(Status(id, "accepted", "wende-denhaag").status, 200);

  // The trail names who moved the referral: the shelter with its question, the coordinator
  // with its answer.
  auto audit = Get("/v1/audit?subject_ref=" + subject, "shop-denhaag.auditor");
  ASSERT_EQ(audit.status, 200) << audit.body;
  int changes_by_wende = 0;
  int changes_by_shop = 0;
  const json entries = json::parse(audit.body)["entries"];
  for (const json& e : entries) {
    if (e["event"] != "status_change" || e["object"] != id || e["outcome"] != "success")
      continue;
    changes_by_wende += e["organisation"] == "wende-denhaag";
    changes_by_shop += e["organisation"] == "shop-denhaag";
  }
  EXPECT_EQ(changes_by_wende, 2);  // the question, then the acceptance
  EXPECT_EQ(changes_by_shop, 1);   // the answer
}

// A client withdraws consent: later hand-offs of that organisation about the client that rest
// on consent are refused for the recipient named (or for all), another basis still carries,
// and the withdrawal is in the trail.
TEST_F(KindsTest, AWithdrawnConsentRefusesLaterHandOffsOnConsent) {
  const std::string subject(64, 'c');
  auto signal = [&](const std::string& basis, std::vector<std::string> to) {
    json header = {{"kind", "signal"},
                   {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
                   {"subject_ref", subject},
                   {"legal_basis", basis},
                   {"recipients", to}};
    return Submit("shop-denhaag", header, to);
  };
  const std::vector<std::string> both = {"comensha", "politie-avim-haaglanden"};
  ASSERT_EQ(signal("consent", both).status, 202);

  auto withdraw = [&](json body) { return Post("/v1/consents/withdraw", body, "shop-denhaag"); };
  struct Case {
    json body;
    long status;
    std::string code;
  };
  for (const Case& c : std::vector<Case>{
           {{{"subject_ref", "jan.jansen"}, {"reason", "phone call"}}, 400, "invalid_subject_ref"},
           {{{"subject_ref", subject}}, 400, "invalid_reason"},
           {{{"subject_ref", subject}, {"recipient", "nobody-here"}, {"reason", "x"}},
            404,
            "unknown_organisation"},
       }) {
    auto r = withdraw(c.body);
    EXPECT_EQ(r.status, c.status) << c.body.dump() << ": " << r.body;
    EXPECT_EQ(Error(r)["code"], c.code) << r.body;
  }
  EXPECT_EQ(signal("consent", both).status, 202) << "a refused withdrawal changed nothing";

  auto withdrawn = withdraw({{"subject_ref", subject},
                             {"recipient", "politie-avim-haaglanden"},
                             {"reason", "client withdrew consent in the intake talk"}});
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  EXPECT_EQ(json::parse(withdrawn.body)["recipient"], "politie-avim-haaglanden");
  auto refused = signal("consent", both);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Error(refused)["code"], "consent_withdrawn");
  EXPECT_NE(Error(refused)["message"].get<std::string>().find("politie-avim-haaglanden"),
            std::string::npos);
  EXPECT_EQ(signal("vital_interest", both).status, 202) << "another basis still carries";
  EXPECT_EQ(signal("consent", {"comensha"}).status, 202) << "withdrawn for the police only";

  ASSERT_EQ(withdraw({{"subject_ref", subject}, {"reason", "withdrawn for everyone"}}).status, 200);
  EXPECT_EQ(Error(signal("consent", {"comensha"}))["code"], "consent_withdrawn");

  auto audit = Get("/v1/audit?subject_ref=" + subject, "shop-denhaag.auditor");
  ASSERT_EQ(audit.status, 200) << audit.body;
  const json entries = json::parse(audit.body)["entries"];
  int withdrawals = 0;
  for (const json& e : entries) {
    if (e["event"] != "consent_withdraw")
      continue;
    ++withdrawals;
    EXPECT_EQ(e["organisation"], "shop-denhaag");
    EXPECT_TRUE(e["object"] == "politie-avim-haaglanden" || e["object"] == "*") << e.dump();
  }
  EXPECT_EQ(withdrawals, 2) << audit.body;
}

// One message, two hand-offs on different grounds: CoMensha without a recorded basis, the
// police on the client's consent. Each recipient is checked, tracked and audited with its own.
TEST_F(KindsTest, EachRecipientMayHaveItsOwnLegalBasis) {
  const std::string subject(64, 'd');
  auto signal = [&](json bases, json to) {
    json header = {{"kind", "signal"},
                   {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
                   {"subject_ref", subject}};
    if (!bases.is_null())
      header["legal_bases"] = bases;
    if (!to.is_null())
      header["recipients"] = to;
    return Submit("shop-denhaag", header, {"comensha", "politie-avim-haaglanden"});
  };
  const json both = {"comensha", "politie-avim-haaglanden"};
  EXPECT_EQ(Error(signal(nullptr, both))["code"], "legal_basis_required");
  EXPECT_EQ(Error(signal({{"politie-avim-haaglanden", "consent"}}, nullptr))["code"],
            "recipients_required");
  EXPECT_EQ(Error(signal({{"ind", "consent"}}, both))["field"], "legal_bases.ind");
  EXPECT_EQ(Error(signal({{"politie-avim-haaglanden", "goodwill"}}, both))["code"],
            "invalid_legal_basis");

  auto sent = signal({{"politie-avim-haaglanden", "consent"}}, both);
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string id = json::parse(sent.body)["id"];
  std::map<std::string, std::string> basis_of;
  const json tracking = Tracking(id, "shop-denhaag");
  for (const json& r : tracking["recipients"])
    basis_of[r["org"]] = r["legal_basis"];
  EXPECT_EQ(basis_of["politie-avim-haaglanden"], "consent");
  EXPECT_EQ(basis_of["comensha"], "");
  auto audit = Get("/v1/audit?subject_ref=" + subject, "shop-denhaag.auditor");
  const json entries = json::parse(audit.body)["entries"];
  bool police_on_consent = false;
  for (const json& e : entries) {
    if (e["event"] == "deliver" && e["object"] == id &&
        e["organisation"] == "politie-avim-haaglanden")
      police_on_consent = e["authorisation_basis"] == "consent";
  }
  EXPECT_TRUE(police_on_consent) << audit.body;

  // The police's consent withdrawn: that hand-off stops; on another basis it goes.
  ASSERT_EQ(Post("/v1/consents/withdraw",
                 {{"subject_ref", subject},
                  {"recipient", "politie-avim-haaglanden"},
                  {"reason", "withdrawn"}},
                 "shop-denhaag")
                .status,
            200);
  EXPECT_EQ(Error(signal({{"politie-avim-haaglanden", "consent"}}, both))["code"],
            "consent_withdrawn");
  EXPECT_EQ(signal({{"politie-avim-haaglanden", "vital_interest"}}, both).status, 202);
}

TEST_F(KindsTest, OnlyTheRightOrganisationKindMovesTheB8Procedure) {
  const std::vector<std::string> to = {"comensha", "ind", "shop-denhaag"};
  auto r = Submit("politie-avim-haaglanden", B8(), to);
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["id"];
  struct Step {
    std::string state;
    std::string org;
    long status;
    std::string code;
  };
  const Step steps[] = {
      {"reported", "ind", 403, "state_not_permitted"},           // immigration does not report
      {"reported", "shop-denhaag", 403, "state_not_permitted"},  // nor does the coordinator
      {"granted", "politie-avim-haaglanden", 403, "state_not_permitted"},
      {"granted", "ind", 409, "invalid_transition"},  // no application yet
      {"reported", "politie-avim-haaglanden", 200, ""},
      {"application_filed", "comensha", 403, "state_not_permitted"},
      {"application_filed", "politie-avim-haaglanden", 200, ""},
      {"granted", "comensha", 403, "state_not_permitted"},
      {"granted", "ind", 200, ""},
      {"reported", "politie-avim-haaglanden", 409, "invalid_transition"},
  };
  for (const Step& s : steps) {
    auto answer = Status(id, s.state, s.org);
    EXPECT_EQ(answer.status, s.status) << s.state << " by " << s.org << ": " << answer.body;
    if (!s.code.empty() && answer.status >= 400) {
      EXPECT_EQ(Error(answer)["code"], s.code) << s.state << " by " << s.org;
    }
  }
  // One procedure: every recipient's copy is granted, each step recorded with who set it.
  json t = Tracking(id, "politie-avim-haaglanden");
  ASSERT_EQ(t["recipients"].size(), 3u);
  for (const json& rec : t["recipients"]) {
    EXPECT_EQ(rec["state"], "granted") << rec["org"];
    std::vector<std::string> states;
    for (const json& e : rec["events"])
      states.push_back(e["state"]);
    EXPECT_EQ(states,
              (std::vector<std::string>{"delivered", "reported", "application_filed", "granted"}))
        << rec["org"];
    EXPECT_EQ(rec["events"].back()["by"], "ind");
  }
}

TEST_F(KindsTest, APoliceSenderTokenMovesItsB8AndARecipientOnlyTokenOfTheIndDecides) {
  auto issue = [&](const std::string& org, const std::string& role) {
    auto r = RunKetenpoort(
        {"token", "issue", "--config", dep_->config_path(), "--org", org, "--role", role});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string t = r.out;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r'))
      t.pop_back();
    return t;
  };
  const std::string police = issue("politie-avim-haaglanden", "sender");
  const std::string ind = issue("ind", "recipient");
  auto r = Submit("politie-avim-haaglanden", B8(), {"comensha", "ind", "shop-denhaag"});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string path =
      dep_->url() + "/v1/messages/" + json::parse(r.body)["id"].get<std::string>() + "/status";
  HttpsClient c(dep_->ca_path());
  EXPECT_EQ(c.Post(path, R"({"state":"reported"})", police).status, 200);
  EXPECT_EQ(c.Post(path, R"({"state":"application_filed"})", ind).status, 403);
  EXPECT_EQ(c.Post(path, R"({"state":"application_filed"})", police).status, 200);
  EXPECT_EQ(c.Post(path, R"({"state":"refused"})", ind).status, 200);
  EXPECT_EQ(c.Post(path, R"({"state":"ended"})", police).status, 200);
}

TEST_F(KindsTest, PoliceNeedAStatedLegalBasisAndEveryHandOffShowsIt) {
  json signal = {
      {"kind", "signal"},
      {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
      {"subject_ref", "b57e8b64ddc12c58a5e3a692bd904ce9a4a5001bfed698ee4dec0fa06cf05b99"},
      {"recipients", {"comensha", "politie-avim-haaglanden"}}};
  auto refused = Submit("shop-denhaag", signal, {"comensha", "politie-avim-haaglanden"});
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Error(refused)["code"], "legal_basis_required");
  EXPECT_EQ(Error(refused)["field"], "legal_basis");
  EXPECT_NE(Error(refused)["message"].get<std::string>().find("police-needs-legal-basis"),
            std::string::npos)
      << refused.body;

  signal["legal_basis"] = "vital_interest";
  auto accepted = Submit("shop-denhaag", signal, {"comensha", "politie-avim-haaglanden"});
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  const std::string id = json::parse(accepted.body)["id"];
  json t = Tracking(id, "shop-denhaag");
  EXPECT_EQ(t["legal_basis"], "vital_interest");
  for (const json& rec : t["recipients"])
    EXPECT_EQ(rec["legal_basis"], "vital_interest") << rec["org"];

  auto audit =
      Get("/v1/audit?subject_ref=b57e8b64ddc12c58a5e3a692bd904ce9a4a5001bfed698ee4dec0fa06cf05b99",
          "shop-denhaag.auditor");
  ASSERT_EQ(audit.status, 200) << audit.body;
  int deliveries = 0;
  const json entries = json::parse(audit.body)["entries"];
  for (const json& e : entries) {
    if (e["event"] != "deliver" && e["event"] != "submit")
      continue;
    if (e["outcome"] != "success")
      continue;
    EXPECT_EQ(e["authorisation_basis"], "vital_interest") << e.dump();
    deliveries += e["event"] == "deliver";
  }
  EXPECT_EQ(deliveries, 2) << audit.body;
}

TEST_F(KindsTest, NoticesAreListedForTheCallersOrganisationOnly) {
  auto r = Get("/v1/notices", "shop-denhaag");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json::parse(r.body)["notices"].is_array());
  EXPECT_EQ(Get("/v1/notices?limit=0", "shop-denhaag").status, 400);
  EXPECT_EQ(Get("/v1/notices", "shop-denhaag.auditor").status, 403);
}

TEST_F(KindsTest, SendAndOpenCheckThePayloadAgainstTheKindsSchema) {
  TempDir tmp;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(tmp.path() + "/" + name) << text;
    return tmp.path() + "/" + name;
  };
  auto send = [&](const std::string& file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "send",
        "--config",
        dep_->config_path(),
        "--as",
        "shop-denhaag",
        "--kind",
        "referral",
        "--routing",
        "region=GM0518,age_band=adult,gender=male,topic=shelter,"
        "urgency=normal",
        "--subject-ref",
        "3afb22195231cbdd0fb02bd102aa37b9186feda1da72cc534db3b26ff7ab2a1a",
        "--payload",
        file};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunKetenpoort(args, {{"KETENPOORT_TOKEN", ""}});
  };
  auto typo = send(
      write("typo.json",
            R"({"client_ref": "3afb22195231cbdd0fb02bd102aa37b9186feda1da72cc534db3b26ff7ab2a1a",
      "needs": ["shelter", "shelterr"], "urgency": "normal"})"));
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_NE(typo.err.find("needs[1]"), std::string::npos) << typo.err;
  EXPECT_NE(typo.err.find("shelterr"), std::string::npos) << typo.err;
  auto missing = send(write("missing.json", R"({"client_ref": "p", "needs": ["shelter"]})"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("urgency"), std::string::npos) << missing.err;
  auto not_json = send(write("text.txt", "dear colleague,"));
  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_NE(not_json.err.find("not valid JSON"), std::string::npos) << not_json.err;

  const std::string good =
      write("good.json",
            R"({"client_ref": "3afb22195231cbdd0fb02bd102aa37b9186feda1da72cc534db3b26ff7ab2a1a",
      "needs": ["shelter", "legal"], "life_domains": ["housing"], "urgency": "normal",
      "language": "ro"})");
  auto sent = send(good);
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  std::string id = sent.out.substr(sent.out.rfind('m'));
  while (!id.empty() && id.back() == '\n')
    id.pop_back();
  auto opened =
      RunKetenpoort({"open", "--config", dep_->config_path(), "--as", "wende-denhaag", id},
                    {{"KETENPOORT_TOKEN", ""}});
  EXPECT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_NE(opened.out.find("\"needs\""), std::string::npos);

  // What another client sealed without checking is refused by open, naming the field.
  json header = {
      {"kind", "referral"},
      {"routing",
       {{"region", "GM0518"},
        {"age_band", "adult"},
        {"gender", "male"},
        {"topic", "shelter"},
        {"urgency", "normal"}}},
      {"subject_ref", "3afb22195231cbdd0fb02bd102aa37b9186feda1da72cc534db3b26ff7ab2a1a"},
      {"payload", sealer_.SealBase64("shop-denhaag", {"wende-denhaag", "shop-denhaag"},
                                     R"({"client_ref": "p", "needs": [7],
                                                    "urgency": "normal"})")}};
  auto raw = Post("/v1/messages", header, "shop-denhaag");
  ASSERT_EQ(raw.status, 202) << raw.body;
  const std::string bad_id = json::parse(raw.body)["id"];
  auto refused =
      RunKetenpoort({"open", "--config", dep_->config_path(), "--as", "wende-denhaag", bad_id},
                    {{"KETENPOORT_TOKEN", ""}});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(refused.out.empty());
  EXPECT_NE(refused.err.find("needs[0]"), std::string::npos) << refused.err;
  auto anyway = RunKetenpoort(
      {"open", "--config", dep_->config_path(), "--as", "wende-denhaag", bad_id, "--no-validate"},
      {{"KETENPOORT_TOKEN", ""}});
  EXPECT_EQ(anyway.exit_code, 0) << anyway.err;

  // A number beyond double's range used to escape the JSON reader as an exception and abort
  // both commands (exit 134, SIGABRT): a sender could crash a recipient's open.
  const std::string huge = R"({"client_ref": "p", "needs": ["shelter"], "urgency": "normal",
                               "age": 1e400})";
  auto huge_send = send(write("huge.json", huge));
  EXPECT_EQ(huge_send.exit_code, 2) << huge_send.err;
  EXPECT_NE(huge_send.err.find("too large"), std::string::npos) << huge_send.err;
  header["payload"] = sealer_.SealBase64("shop-denhaag", {"wende-denhaag", "shop-denhaag"}, huge);
  auto huge_raw = Post("/v1/messages", header, "shop-denhaag");
  ASSERT_EQ(huge_raw.status, 202) << huge_raw.body;
  const std::string huge_id = json::parse(huge_raw.body)["id"];
  auto huge_open =
      RunKetenpoort({"open", "--config", dep_->config_path(), "--as", "wende-denhaag", huge_id},
                    {{"KETENPOORT_TOKEN", ""}});
  EXPECT_EQ(huge_open.exit_code, 1) << huge_open.err;
  EXPECT_TRUE(huge_open.out.empty());
  EXPECT_NE(huge_open.err.find("invalid_payload"), std::string::npos) << huge_open.err;
  EXPECT_NE(huge_open.err.find("too large"), std::string::npos) << huge_open.err;
}

}  // namespace
}  // namespace ketenpoort::testing
