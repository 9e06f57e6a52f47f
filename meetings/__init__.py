"""Meetings: events, their public links and QR codes, registration lists, badge codes and organiser inputs."""
