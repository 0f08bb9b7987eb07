"""The report's pictures: maps of the town at key moments and plots of the run (matplotlib).

Figures are built with matplotlib's object API (`Figure`), never `pyplot`: no global state, no
display, safe in a server process; PNG and PDF come from the Agg and PDF backends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle as CirclePatch
from matplotlib.patches import Polygon as PolygonPatch

from magen.domain.alerts import Circle, Polygon
from magen.geo.town import Town
from magen.picture.fusion import TrackStatus
from magen.report.replay import Moment
from magen.sim.metrics import NFPA_1225_PROCESSING_S, Metrics

STREET = "#9a9a9a"
BUILDING = "#e3ded6"
SHELTER = "#1f5fbf"
THREAT = "#c62828"
UNVERIFIED = "#ef8f00"
TRUTH = "#111111"
SOS = "#8e24aa"
RESPONDER = "#2e7d32"


class TownCanvas:
    """The town's streets, buildings and shelters, drawn once and reused for every map."""

    def __init__(self, town: Town) -> None:
        self.town = town
        proj = town.projection
        st = town.streets
        geom = np.asarray(st.geom_xy, dtype=np.float64)
        offs = st.edge_geom_offsets
        self.streets = [geom[offs[e] : offs[e + 1]] for e in range(st.edge_count)]
        b = town.buildings
        xy = proj.points_to_xy(b.ring_lonlat)
        rings = b.ring_offsets
        self.buildings = [xy[rings[i] : rings[i + 1]] for i in range(len(b))]
        self.shelters = np.asarray(town.shelters.xy, dtype=np.float64)
        allpts = geom if len(geom) else np.zeros((1, 2))
        lo, hi = allpts.min(axis=0), allpts.max(axis=0)
        self.extent = (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self.town.to_xy(lon, lat)
        return float(x), float(y)

    def draw_base(self, ax: Any) -> None:
        ax.add_collection(
            PolyCollection(
                self.buildings, facecolors=BUILDING, edgecolors="#cfc8bd", linewidths=0.2
            )
        )
        ax.add_collection(LineCollection(self.streets, colors=STREET, linewidths=0.6))
        if len(self.shelters):
            ax.scatter(
                self.shelters[:, 0],
                self.shelters[:, 1],
                s=10,
                marker="s",
                c=SHELTER,
                linewidths=0,
                zorder=3,
            )
        x0, x1, y0, y1 = self.extent
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])

    def area(self, area: Circle | Polygon, **style: Any) -> Any:
        if isinstance(area, Circle):
            return CirclePatch(self.xy(area.lon, area.lat), area.radius_m, **style)
        pts = np.array([self.xy(lon, lat) for lon, lat in area.ring])
        return PolygonPatch(pts, closed=True, **style)


def offset_label(at: datetime) -> str:
    """A moment's offset from UTC as its label: "UTC+2", "UTC+5:30", "UTC"."""
    offset = at.utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    return f"UTC{hours:+d}" + (f":{abs(rest) // 60:02d}" if rest else "") if offset else "UTC"


def zone_name(zone: tzinfo, at: datetime) -> str:
    """A clock's name for the reader: its IANA name ("Asia/Jerusalem"), else its offset."""
    if isinstance(zone, ZoneInfo):
        return zone.key
    return offset_label(at.astimezone(zone))


def clock_time(at: datetime, start: datetime) -> str:
    """A moment on the report's clock (its start's time zone), with its offset: "13:32 UTC+2"."""
    local = at.astimezone(start.tzinfo)
    return f"{local:%H:%M} {offset_label(local)}"


def _clipped(ax: Any, patch: Any) -> None:
    """Add a patch drawn only inside the map's frame (areas may reach past the town)."""
    ax.add_patch(patch)
    patch.set_clip_path(ax.patch)


def map_figure(canvas: TownCanvas, moment: Moment, start: datetime) -> Figure:
    """The town at one moment: what Magen showed, and (when known) where attackers truly were."""
    fig = Figure(figsize=(6.4, 6.4), dpi=110)
    ax = fig.subplots()
    canvas.draw_base(ax)
    for area in moment.lock_ins:
        _clipped(
            ax,
            canvas.area(
                area,
                facecolor="#7b1fa2",
                alpha=0.08,
                edgecolor="#7b1fa2",
                linestyle="--",
                linewidth=0.8,
            ),
        )
    for area in moment.danger:
        _clipped(
            ax, canvas.area(area, facecolor=THREAT, alpha=0.18, edgecolor=THREAT, linewidth=0.8)
        )
    if moment.sightings:
        pts = np.array([canvas.xy(lon, lat) for lon, lat in moment.sightings])
        ax.scatter(pts[:, 0], pts[:, 1], s=6, c=UNVERIFIED, alpha=0.5, linewidths=0, zorder=4)
    for t in moment.tracks:
        x, y = canvas.xy(t.lon, t.lat)
        credible = t.credible and t.status is not TrackStatus.STALE
        colour = THREAT if credible else UNVERIFIED
        ax.add_patch(
            CirclePatch(
                (x, y),
                max(t.position_error_m, 15.0),
                facecolor="none",
                edgecolor=colour,
                linewidth=0.7,
                zorder=5,
            )
        )
        ax.scatter(
            [x],
            [y],
            s=40 if t.confirmed else 24,
            marker="D",
            c=colour,
            edgecolors="white",
            linewidths=0.5,
            zorder=6,
        )
        if t.size.estimate is not None and credible:
            ax.annotate(
                str(t.size.estimate),
                (x, y),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=7,
                color=colour,
                zorder=7,
            )
    if moment.sos:
        pts = np.array([canvas.xy(lon, lat) for lon, lat, _, _ in moment.sos])
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=30,
            marker="^",
            c=SOS,
            edgecolors="white",
            linewidths=0.4,
            zorder=6,
        )
    if moment.responders:
        pts = np.array([canvas.xy(lon, lat) for lon, lat, _ in moment.responders])
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=14,
            marker="o",
            c=RESPONDER,
            edgecolors="white",
            linewidths=0.3,
            zorder=6,
        )
    if moment.truth:
        pts = np.array([canvas.xy(lon, lat) for lon, lat, _ in moment.truth])
        ax.scatter(pts[:, 0], pts[:, 1], s=34, marker="x", c=TRUTH, linewidths=1.4, zorder=8)
    minutes = (moment.at - start).total_seconds() / 60.0
    ax.set_title(
        f"{moment.title}: +{minutes:.0f} min ({clock_time(moment.at, start)})", fontsize=10
    )
    legend = [
        Line2D(
            [],
            [],
            marker="D",
            color="w",
            markerfacecolor=THREAT,
            markersize=7,
            label="track (credible)",
        ),
        Line2D(
            [],
            [],
            marker="D",
            color="w",
            markerfacecolor=UNVERIFIED,
            markersize=6,
            label="track (unverified)",
        ),
        Line2D(
            [],
            [],
            marker="o",
            color="w",
            markerfacecolor=UNVERIFIED,
            alpha=0.6,
            markersize=4,
            label="sightings, last 5 min",
        ),
        Line2D([], [], marker="^", color="w", markerfacecolor=SOS, markersize=7, label="open SOS"),
        Line2D(
            [],
            [],
            marker="o",
            color="w",
            markerfacecolor=RESPONDER,
            markersize=5,
            label="responder",
        ),
        Line2D(
            [],
            [],
            marker="s",
            color="w",
            markerfacecolor=SHELTER,
            markersize=5,
            label="public shelter",
        ),
        Line2D([], [], color=THREAT, alpha=0.4, linewidth=6, label="danger area"),
        Line2D([], [], color="#7b1fa2", linestyle="--", label="lock-in order"),
    ]
    if moment.truth:
        legend.append(
            Line2D([], [], marker="x", color=TRUTH, linestyle="none", label="attackers (truth)")
        )
    ax.legend(handles=legend, loc="lower left", fontsize=6.5, framealpha=0.85)
    fig.tight_layout()
    return fig


def _minutes(times: Sequence[datetime], start: datetime) -> np.ndarray:
    return np.array([(t - start).total_seconds() / 60.0 for t in times], dtype=np.float64)


def reports_figure(
    sightings: Sequence[datetime],
    sos: Sequence[datetime],
    alerts: Sequence[tuple[datetime, str]],
    start: datetime,
    minutes: float,
) -> Figure:
    """Sightings and SOS calls per minute, with the official alerts marked."""
    fig = Figure(figsize=(7.5, 3.0), dpi=110)
    ax = fig.subplots()
    bins = np.arange(0.0, max(minutes, 1.0) + 1.0, 1.0)
    s, _ = np.histogram(_minutes(sightings, start), bins=bins)
    c, _ = np.histogram(_minutes(sos, start), bins=bins)
    ax.bar(bins[:-1], s, width=1.0, align="edge", color=UNVERIFIED, label="sightings")
    ax.bar(bins[:-1], c, width=1.0, align="edge", bottom=s, color=SOS, label="SOS")
    for at, category in alerts:
        m = (at - start).total_seconds() / 60.0
        ax.axvline(
            m,
            color=THREAT if category == "terrorist_infiltration" else SHELTER,
            linewidth=0.8,
            linestyle=":",
        )
    ax.set_xlabel(f"minutes from {clock_time(start, start)}")
    ax.set_ylabel("reports per minute")
    ax.set_xlim(0, minutes)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("Reports per minute (dotted: official alerts)", fontsize=10)
    fig.tight_layout()
    return fig


def count_figure(m: Metrics, *, since: str = "the start") -> Figure:
    """The console's estimate of the attackers against the truth and the raw reports' claim."""
    fig = Figure(figsize=(7.5, 3.2), dpi=110)
    ax = fig.subplots()
    t = np.asarray(m.count_t_s) / 60.0
    ax.fill_between(
        t,
        m.count_low,
        m.count_high,
        color=THREAT,
        alpha=0.15,
        step="post",
        label="Magen estimate, interval",
    )
    ax.step(t, m.count_estimated, where="post", color=THREAT, label="Magen estimate")
    if m.count_true:
        ax.step(
            t,
            m.count_true,
            where="post",
            color=TRUTH,
            linewidth=1.6,
            label="true (active attackers)",
        )
    ax.step(
        t,
        m.count_raw,
        where="post",
        color=UNVERIFIED,
        linestyle="--",
        linewidth=0.9,
        label="raw reports' claim",
    )
    ax.set_xlabel(f"minutes from {since}")
    ax.set_ylabel("attackers")
    top = max([*m.count_high, *m.count_true, *m.count_raw, 1])
    ax.set_ylim(0, top * 1.15)
    ax.legend(fontsize=7.5, loc="upper right", ncol=2)
    ax.set_title("How many attackers: estimated vs true", fontsize=10)
    fig.tight_layout()
    return fig


def response_figure(m: Metrics) -> Figure:
    """SOS to assignment and assignment to arrival, against NFPA 1225's 60 s."""
    fig = Figure(figsize=(7.5, 2.8), dpi=110)
    axes = fig.subplots(1, 2)
    for ax, values, title in (
        (axes[0], m.sos_to_assign_s, "SOS to assignment"),
        (axes[1], m.assign_to_arrival_s, "assignment to arrival"),
    ):
        if values:
            top = max(values)
            ax.hist(
                values, bins=np.linspace(0.0, max(top, 60.0) * 1.05, 20), color=RESPONDER, alpha=0.8
            )
        else:
            ax.text(
                0.5,
                0.5,
                "no data in this log",
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=8,
            )
        ax.axvline(NFPA_1225_PROCESSING_S, color=THREAT, linestyle="--", linewidth=0.9)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("seconds")
    axes[0].set_ylabel("calls")
    fig.suptitle("Response times (dashed: NFPA 1225's 60 s)", fontsize=10)
    fig.tight_layout()
    return fig


def exposure_figure(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]], *, since: str = "the start"
) -> Figure:
    """Cumulative resident-minutes in the open within 200 m of an attacker, per run."""
    fig = Figure(figsize=(7.5, 2.8), dpi=110)
    ax = fig.subplots()
    styles = {"magen": THREAT, "alarm_only": "#555555"}
    for name, (t_s, values) in series.items():
        ax.plot(
            np.asarray(t_s) / 60.0,
            values,
            color=styles.get(name, SHELTER),
            label=name.replace("_", " "),
        )
    ax.set_xlabel(f"minutes from {since}")
    ax.set_ylabel("person-minutes")
    ax.legend(fontsize=8)
    ax.set_title(
        "Exposure: residents in the open within 200 m of an attacker (cumulative)", fontsize=10
    )
    fig.tight_layout()
    return fig
