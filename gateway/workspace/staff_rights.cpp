#include "gateway/workspace/staff_rights.h"

namespace ketenpoort::workspace {

bool MayRead(const StaffContext& staff) {
  return MayAct(staff) || MayAudit(staff);
}

bool MayAct(const StaffContext& staff) {
  return staff.Has(StaffRole::kCoordinator) || staff.Has(StaffRole::kCaseworker);
}

bool MayAudit(const StaffContext& staff) {
  return staff.Has(StaffRole::kAuditor);
}

}  // namespace ketenpoort::workspace
