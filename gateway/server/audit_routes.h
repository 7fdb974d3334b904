// The audit trail over HTTP (docs/API.md), for auditors, partners and peer gateways:
//
//   GET /v1/audit?subject_ref=&actor=&org=&from=&to=&after=&limit=&format=json|text&lang=en|nl
//       auditor: NEN 7513 entries that concern the auditor's own organisation (its own actions
//       and every action on a message it sent or received), oldest first, with "next" for
//       paging; format=text gives the readable account of audit_view.h ("who opened my file").
//       Every read is itself an `audit_read` entry, with the subject_ref asked about.
//   GET /v1/audit/checkpoint                         any token: the latest signed tree head,
//       with "certificate": this gateway's certificate (PEM) that verifies its signature
//   GET /v1/audit/witness                            auditor: the peers' heads this gateway
//       keeps and whether each is consistent or forked (gateway/audit/witness_worker.h)
//   GET /v1/audit/proof/inclusion?seq=N&size=M       auditor or peer: RFC 6962 inclusion proof
//   GET /v1/audit/proof/consistency?first=M&second=N auditor or peer: consistency proof
//
// Proof answers carry base64 hashes: {"seq","size","leaf_hash","root","proof":[...]} and
// {"first","second","first_root","second_root","proof":[...]}, checkable with merkle_tree.h's
// Verify functions or any RFC 9162 verifier.
#pragma once

#include <string>

#include "gateway/api/router.h"
#include "gateway/store/guarded_database.h"

namespace ketenpoort::server {

// `db` must outlive the router's use.
// `certificate_pem` is the gateway's own certificate, whose key signs the tree heads.
void RegisterAuditRoutes(api::Router& router, store::GuardedDatabase& db,
                         std::string certificate_pem);

}  // namespace ketenpoort::server
