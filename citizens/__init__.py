"""Citizens' carbon accounts (碳账户): sign-up, low-carbon days and their 碳普惠 points, the dashboard."""
