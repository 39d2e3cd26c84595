"""A battery that drains with the power the airframe needs (pure; advanced by ``step``).

The current model is a small quad's: ~13 A to hover, more with airspeed and climb, so the default
10 Ah pack lasts ~40 min at 10 m/s cruise. Voltage falls from ``SIM_BATT_VOLTAGE`` (full, 3S 12.6 V)
to 80 % of it when empty, minus the sag of the current through the pack's resistance.
"""

from __future__ import annotations

from dataclasses import dataclass

HOVER_CURRENT_A = 13.0
AIRSPEED_FACTOR_PER_M2_S2 = 0.0015
CLIMB_CURRENT_A_PER_M_S = 3.0
ARMED_IDLE_CURRENT_A = 2.5
AVIONICS_CURRENT_A = 0.3
INTERNAL_RESISTANCE_OHM = 0.012


def flight_current_a(*, armed: bool, airborne: bool, airspeed_m_s: float, climb_m_s: float) -> float:
    """Current drawn in amperes.

    >>> round(flight_current_a(armed=True, airborne=True, airspeed_m_s=10.0, climb_m_s=0.0), 2)
    14.95
    """
    if not armed:
        return AVIONICS_CURRENT_A
    if not airborne:
        return ARMED_IDLE_CURRENT_A
    current = HOVER_CURRENT_A * (1.0 + AIRSPEED_FACTOR_PER_M2_S2 * airspeed_m_s**2)
    return current + CLIMB_CURRENT_A_PER_M_S * max(0.0, climb_m_s)


@dataclass(frozen=True, kw_only=True)
class BatteryReading:
    voltage_v: float
    current_a: float
    consumed_mah: float
    remaining_pct: int


class Battery:
    def __init__(self) -> None:
        self.consumed_mah = 0.0
        self.current_a = AVIONICS_CURRENT_A
        self.voltage_v = 12.6

    def step(self, dt_s: float, *, current_a: float, full_voltage_v: float, capacity_mah: float) -> None:
        self.current_a = current_a
        self.consumed_mah += current_a * dt_s / 3.6
        soc = self.state_of_charge(capacity_mah)
        self.voltage_v = max(0.0, full_voltage_v * (0.8 + 0.2 * soc) - INTERNAL_RESISTANCE_OHM * current_a)

    def state_of_charge(self, capacity_mah: float) -> float:
        if capacity_mah <= 0:
            return 1.0
        return max(0.0, min(1.0, 1.0 - self.consumed_mah / capacity_mah))

    def reading(self, capacity_mah: float) -> BatteryReading:
        return BatteryReading(
            voltage_v=self.voltage_v,
            current_a=self.current_a,
            consumed_mah=self.consumed_mah,
            remaining_pct=round(100 * self.state_of_charge(capacity_mah)),
        )
