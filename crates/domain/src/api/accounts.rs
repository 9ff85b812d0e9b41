//! Registration (A2, A3), recovery and reset (A5, A6), profile (A8, B5) and
//! sub-users (A9).

use crate::coded_enum;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

coded_enum! {
    /// The three registration categories of the services site (A3).
    pub enum Category {
        Private = "private",
        Professional = "professional",
        /// Companies and credit institutions: legal persons, so a PEC is required.
        Company = "company",
    }
}

impl Category {
    pub fn is_legal_person(self) -> bool {
        self == Category::Company
    }
}

coded_enum! {
    pub enum Language {
        It = "it",
        En = "en",
    }
}

/// A2: registration of a leasing customer by the data on its invoices.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RegisterByContract {
    pub contract_no: String,
    /// Printed after the "/" of the contract number.
    pub module_no: String,
    /// Codice fiscale or partita IVA.
    pub tax_code: String,
    /// A PEC for companies.
    pub email: String,
    #[serde(default)]
    #[ts(optional)]
    pub language: Option<Language>,
}

/// A3: registration by category, pending until an operator approves it.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RegisterByCategory {
    pub category: Category,
    /// Person's full name or company name.
    pub name: String,
    pub tax_code: String,
    pub email: String,
    /// An agreement (convenzione) to join; waits for an operator too.
    #[serde(default)]
    #[ts(optional)]
    pub agreement_code: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub language: Option<Language>,
    /// The address and e-invoicing data the shop bills to; its name and tax
    /// code are the registration's own.
    #[serde(default)]
    #[ts(optional)]
    pub billing: Option<crate::api::shop::BillingData>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Registered {
    /// Where the temporary password went (masked); empty while pending approval.
    pub sent_to: String,
    /// True when an operator must approve before the password is sent (A3).
    pub pending_approval: bool,
}

/// A5: recovery of a locked or forgotten login.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RecoverRequest {
    pub contract_no: String,
    pub module_no: String,
    pub tax_code: String,
}

/// A6: a reset e-mail for a username or an account's e-mail address.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ResetRequest {
    /// The username, or the e-mail address (PEC) the account is registered with.
    pub username: String,
}

/// If the data named an account, a reset code and link went to its
/// registered address; quote `reset_id` with the code. The answer is the
/// same whether or not they did, so it tells nobody which accounts exist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ResetStarted {
    pub reset_id: String,
}

/// Sets a new password with the e-mailed code (and its `reset_id`), or with
/// the token of a `sportello://reset` or `sportello://invite` link.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct CompleteReset {
    #[serde(default)]
    #[ts(optional)]
    pub reset_id: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub code: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub token: Option<String>,
    pub new_password: String,
}

/// A change of password by a logged-in user (forced after a temporary one).
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// A8 and B5: the profile page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Profile {
    pub username: String,
    pub display_name: String,
    pub customer_name: String,
    pub language: Language,
    /// Primary address (a PEC for companies): codes, invitations and invoice notices go here.
    pub email: String,
    pub secondary_email: Option<String>,
    /// B5: paper invoices by post as well; the customer's setting, changed by the main user only.
    pub paper_invoices: bool,
    /// An e-mail copy of each service-desk reply and status change on this
    /// user's requests; the user's own setting, on unless turned off.
    #[serde(default = "crate::api::accounts::on")]
    pub desk_emails: bool,
    /// Set for a sub-user: the username of its parent.
    pub parent_username: Option<String>,
    pub must_change_password: bool,
    /// What this user may do besides looking (A9): all for a main user.
    #[serde(default)]
    pub rights: Vec<Right>,
}

/// Changes to the profile; absent fields stay as they are. An empty
/// `secondary_email` removes it. The primary e-mail changes through
/// `EmailChange` instead, because the new address must be confirmed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ProfileUpdate {
    #[serde(default)]
    #[ts(optional)]
    pub display_name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub language: Option<Language>,
    #[serde(default)]
    #[ts(optional)]
    pub secondary_email: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub paper_invoices: Option<bool>,
    #[serde(default)]
    #[ts(optional)]
    pub desk_emails: Option<bool>,
}

/// A setting that is on unless the user turned it off.
pub(crate) fn on() -> bool {
    true
}

#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct EmailChange {
    pub email: String,
    /// Step-up: the primary address is changed only with the password again.
    #[serde(default)]
    pub current_password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct EmailChangeStarted {
    pub change_id: String,
    pub sent_to: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct EmailChangeConfirm {
    pub change_id: String,
    pub code: String,
}

/// A9: a sub-user as listed on the profile page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SubUser {
    /// `<parent>.<n>`, e.g. "10093.1".
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub secondary_email: Option<String>,
    pub language: Language,
    pub parent_username: String,
    /// What the sub-user may do besides looking; empty: view only.
    pub rights: Vec<Right>,
}

/// A9: one page of the main user's sub-users, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SubUserPage {
    pub items: Vec<SubUser>,
    /// Asks for the next page; None on the last.
    pub next_cursor: Option<String>,
}

/// A9: the "add sub-user" and "edit sub-user" form.
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SubUserForm {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    #[serde(default)]
    #[ts(optional)]
    pub secondary_email: Option<String>,
    pub language: Language,
    /// What the sub-user may do besides looking; none given: view only.
    #[serde(default)]
    #[ts(optional)]
    pub rights: Option<Vec<Right>>,
}

coded_enum! {
    /// A9: what the main user lets a sub-user do besides looking at the
    /// contracts, invoices and payments (the main user may do all of it).
    pub enum Right {
        /// File requests (address change, free requests) and write in their threads.
        Requests = "requests",
        /// Buy services and ask for quotes in the shop.
        Shop = "shop",
        /// Change the bank details of a contract (IBAN) and ask for early termination.
        Bank = "bank",
    }
}

impl Right {
    /// The right a request of `kind` needs: bank details and early
    /// termination move money, so they need more than filing requests.
    pub fn for_request(kind: super::requests::RequestKind) -> Right {
        use super::requests::RequestKind;
        match kind {
            RequestKind::IbanChange | RequestKind::EarlyTermination => Right::Bank,
            RequestKind::AddressChange | RequestKind::Free => Right::Requests,
        }
    }

    /// Rights as stored: their codes, comma-separated, in a fixed order.
    pub fn join(rights: &[Right]) -> String {
        Right::ALL
            .iter()
            .filter(|r| rights.contains(r))
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// What a user may do: a main user everything, a sub-user what is stored.
    pub fn of_user(sub_user: bool, stored: &str) -> Vec<Right> {
        if sub_user {
            Right::split(stored)
        } else {
            Right::ALL.to_vec()
        }
    }

    /// Stored rights back; unknown codes are dropped (never granted).
    pub fn split(text: &str) -> Vec<Right> {
        text.split(',').filter_map(Right::parse).collect()
    }
}

#[cfg(test)]
mod rights_tests {
    use super::Right;
    use crate::api::requests::RequestKind;

    #[test]
    fn money_moving_requests_need_the_bank_right() {
        assert_eq!(Right::for_request(RequestKind::IbanChange), Right::Bank);
        assert_eq!(Right::for_request(RequestKind::EarlyTermination), Right::Bank);
        assert_eq!(Right::for_request(RequestKind::AddressChange), Right::Requests);
        assert_eq!(Right::for_request(RequestKind::Free), Right::Requests);
    }

    #[test]
    fn rights_are_stored_in_one_order_and_unknown_codes_grant_nothing() {
        assert_eq!(Right::join(&[Right::Bank, Right::Requests]), "requests,bank");
        assert_eq!(Right::join(&[]), "");
        assert_eq!(Right::split("requests,bank"), [Right::Requests, Right::Bank]);
        assert_eq!(Right::split("admin,shop,"), [Right::Shop]);
        assert_eq!(Right::split(""), []);
    }
}

coded_enum! {
    /// E6: what a user may consent to, each on its own and at any time.
    pub enum ConsentKind {
        /// Commercial offers from the company.
        Marketing = "marketing",
        /// Analysis of the user's choices to tailor offers.
        Profiling = "profiling",
        /// Handing the user's data to partner companies for their offers.
        ThirdParties = "third_parties",
    }
}

/// E6: one consent as it stands, with the date it was given or withdrawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Consent {
    pub kind: ConsentKind,
    pub granted: bool,
    /// When the user last said yes or no; None when never asked.
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// E6: the privacy page: each consent as it stands and every change, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Privacy {
    pub consents: Vec<Consent>,
    /// At most the 100 latest changes.
    pub history: Vec<Consent>,
}

/// E6: a consent given (true) or withdrawn (false).
#[derive(Clone, Debug, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ConsentUpdate {
    pub kind: ConsentKind,
    pub granted: bool,
}

/// The query of `GET /sub-users`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubUsersQuery {
    /// 1 to 500, default 100.
    pub limit: Option<u32>,
    /// The previous page's next_cursor.
    pub cursor: Option<String>,
}
