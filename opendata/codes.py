"""Codes from the IATI 2.03 code lists (https://iatistandard.org/en/iati-standard/203/codelists/).

Only the values this portfolio uses; each constant names its code list.
"""

from __future__ import annotations

from members.models import OrganisationKind
from results.models import Unit

# ActivityDateType
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
# DescriptionType
GENERAL_DESCRIPTION = "1"
# SectorVocabulary 1 (OECD DAC CRS 5-digit): 43030 Urban development and management
SECTOR_VOCABULARY_DAC = "1"
URBAN_DEVELOPMENT = "43030"
# RegionVocabulary 1 (OECD DAC): 998 Developing countries, unspecified
REGION_VOCABULARY_DAC = "1"
DEVELOPING_COUNTRIES_UNSPECIFIED = "998"
# ActivityStatus
IMPLEMENTATION, FINALISATION = "2", "3"
# RelatedActivityType
PARENT = "1"
# PolicyMarkerVocabulary 1 (OECD DAC CRS): PolicyMarker and PolicySignificance
POLICY_MARKER_VOCABULARY_DAC = "1"
GENDER_EQUALITY = "1"
CLIMATE_ADAPTATION = "8"
SIGNIFICANT_OBJECTIVE = "1"
# BudgetType, BudgetStatus
ORIGINAL_BUDGET, COMMITTED_BUDGET = "1", "2"
REVISED_BUDGET = "2"
# IndicatorVocabulary 99: the reporting organisation's own indicators
OWN_VOCABULARY = "99"
# IndicatorMeasure
MEASURE = {Unit.COUNT: "1", Unit.AMOUNT: "1", Unit.YES_NO: "1", Unit.PERCENTAGE: "2"}
# OrganisationType
ORGANISATION_TYPE = {
    OrganisationKind.NATIONAL_GOVERNMENT: "10",
    OrganisationKind.LOCAL_GOVERNMENT: "10",
    OrganisationKind.LOCAL_GOVERNMENT_ASSOCIATION: "23",
    OrganisationKind.MULTILATERAL: "40",
    OrganisationKind.UN_AGENCY: "40",
    OrganisationKind.NGO: "21",
    OrganisationKind.PRIVATE_FOUNDATION: "60",
    OrganisationKind.UNIVERSITY: "80",
    OrganisationKind.COMMUNITY: "24",
    OrganisationKind.OTHER: "90",
}
OTHER_ORGANISATION = "90"
# Themes that carry a DAC policy marker.
THEME_MARKERS = {"gender-equality": GENDER_EQUALITY, "resilience-climate": CLIMATE_ADAPTATION}
