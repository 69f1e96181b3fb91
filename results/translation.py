"""The results framework's names in each language (django-modeltranslation adds a column per language)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Indicator, Outcome


@register(Outcome)
class OutcomeTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "definition")
