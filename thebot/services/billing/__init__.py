"""Billing (domain.md section 5): invoices and their transitions, lists and totals, payments
through a provider (fake or YooKassa), and the overdue task."""
