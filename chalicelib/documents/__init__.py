"""Business forms and exports (申报表 PDF, 一览表, results spreadsheets).

Writers (reportlab, xlsxwriter) are imported inside the functions that use them so the API's
cold start never pays for them.
"""
