"""The texts of calls that staff write in each language (django-modeltranslation adds a column per language)."""

from modeltranslation.translator import TranslationOptions, register

from .models import AssessmentCriterion, Call, CallQuestion, EligibilityQuestion, Project


@register(Call)
class CallTranslation(TranslationOptions):
    fields = ("title", "description")


@register(CallQuestion)
class CallQuestionTranslation(TranslationOptions):
    # Not the choices: an answer keeps the option it chose, and must match it in every language.
    fields = ("label", "help_text")


@register(EligibilityQuestion)
class EligibilityQuestionTranslation(TranslationOptions):
    fields = ("text", "help_text", "why_not")


@register(AssessmentCriterion)
class AssessmentCriterionTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Project)
class ProjectTranslation(TranslationOptions):
    fields = ("summary",)
