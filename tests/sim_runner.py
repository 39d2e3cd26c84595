"""Run simulated vehicles in this process until SIGTERM (started as a subprocess by tests/simproc.py)."""

import argparse
import signal
import threading

from sitl.vehicle.config import VehicleConfig, parse_signing_key
from sitl.vehicle.fleet import fleet_configs
from sitl.vehicle.server import SimServer

p = argparse.ArgumentParser()
p.add_argument("--vehicles", type=int, default=1)
p.add_argument("--base-port", type=int, required=True)
p.add_argument("--speedup", type=float, default=1.0)
p.add_argument("--ekf-delay-s", type=float, default=2.0)
p.add_argument("--home", default="31.348,-110.9837,1160")
p.add_argument("--signing-key")
args = p.parse_args()
lat, lon, alt = (float(v) for v in args.home.split(","))
base = VehicleConfig(
    home_lat_deg=lat,
    home_lon_deg=lon,
    home_alt_amsl_m=alt,
    ekf_delay_s=args.ekf_delay_s,
    signing_key=parse_signing_key(args.signing_key) if args.signing_key else None,
)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
with SimServer(
    fleet_configs(args.vehicles, base=base, base_port=args.base_port), speedup=args.speedup
) as server:
    print("ready " + " ".join(server.endpoints()), flush=True)
    server.run(stop=stop)
