"""Video analytics: sources, detector, tracker, geotagger, sightings, rules, store, exports, pipeline."""
