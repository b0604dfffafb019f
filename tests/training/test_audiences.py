"""Who a request for a place is sent to: never nobody."""

from __future__ import annotations

from daservice.accounts.models import Role
from daservice.training.audiences import request_approver_emails, training_lead_emails

from .. import factories


def test_a_request_goes_to_the_agencys_training_leads_only(app):
    agency = factories.agency()
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=agency)
    factories.user(Role.AGENCY_TRAINING_LEAD)  # another agency's lead
    factories.user(Role.TRAINING_COORDINATOR)
    assert request_approver_emails(str(agency.id)) == [lead.email]


def test_an_agency_without_a_training_lead_has_its_requests_sent_to_the_coordinators(app):
    agency = factories.agency()
    factories.user(Role.AGENCY_TRAINING_LEAD)  # another agency's lead
    coordinators = sorted(factories.user(Role.TRAINING_COORDINATOR).email for _ in range(2))
    factories.user(Role.TRAINING_COORDINATOR, disabled=True)
    assert training_lead_emails(str(agency.id)) == []
    assert request_approver_emails(str(agency.id)) == coordinators
