"""Background work on a task queue (huey): jobs with their state and progress, shown on pages and polled as JSON."""
