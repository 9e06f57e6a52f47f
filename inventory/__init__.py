"""Enterprise greenhouse-gas inventory: facilities, monthly activity records, reports, import and export."""
