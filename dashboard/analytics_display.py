"""How the analytics' numbers read on the page: money in the shop's currency, shares in
percent, waits in minutes, and each change as an arrow with the percent."""

from dataclasses import dataclass

from dashboard.analytics import Figure, FunnelColumn
from shops.models import Shop
from shops.money import format_amount


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days {hours % 24} h"


def value_text(value: float | None, unit: str, shop: Shop) -> str:
    if value is None:
        return "—"
    if unit == "money":
        return format_amount(round(value), shop.currency, shop.language)
    if unit == "percent":
        return f"{value:.1f} %"
    if unit == "seconds":
        return duration_text(value)
    return f"{round(value):,}"


@dataclass(frozen=True)
class FigureCard:
    key: str
    label: str
    value: str
    previous: str
    change: str  # "▲ 12.5 %", or "" when there is nothing to compare
    trend: str  # up, down, flat
    tone: str  # good, bad, "" (the class on the change)


def figure_cards(figures: list[Figure], shop: Shop) -> list[FigureCard]:
    cards = []
    for figure in figures:
        change = figure.change
        if change is None:
            text = ""
        elif figure.trend == "flat":
            text = "= 0 %"
        else:
            text = f"{'▲' if change > 0 else '▼'} {abs(change):.1f} %"
        tone = "" if figure.good is None else ("good" if figure.good else "bad")
        cards.append(
            FigureCard(
                key=figure.key,
                label=figure.label,
                value=value_text(figure.current, figure.unit, shop),
                previous=value_text(figure.previous, figure.unit, shop),
                change=text,
                trend=figure.trend,
                tone=tone,
            )
        )
    return cards


def funnel_rows(columns: list[FunnelColumn]) -> list[dict]:
    """The funnel as a table: one row per step, one cell per channel (count, share kept)."""
    per_column = [column.steps() for column in columns]
    rows = []
    for index, step in enumerate(per_column[0] if per_column else []):
        rows.append({"label": step["label"], "cells": [steps[index] for steps in per_column]})
    return rows
