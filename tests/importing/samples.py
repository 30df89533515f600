"""CSV texts the import tests start from."""

PRODUCTS = """\
sku,name,category,price,currency,on_hand,lead_time_days,handling_days,supplier,alternatives
MUG-1,Blue mug,kitchen,12.50,EUR,3,14,,Potter & Co,CUP-1
CUP-1,Tea cup,kitchen,8.00,EUR,0,,0,,
YEN-1,Tea bowl,kitchen,1500,JPY,5,7,,,
"""

ORDER_HEADER = (
    "order_id,line_no,customer_id,customer_name,customer_email,customer_phone,"
    "customer_language,customer_timezone,placed_at,promised_ship_date,jurisdiction,priority,"
    "sku,quantity,unit_price,currency,status\n"
)

ORDERS = ORDER_HEADER + (
    "1001,,C1,Ada Lovelace,ada@example.com,+44 20 7946 0018,en,Europe/London,"
    "2026-02-27T10:00:00+00:00,2026-03-10,UK,0,MUG-1,2,12.50,EUR,open\n"
    "1001,,C1,Ada Lovelace,ada@example.com,+44 20 7946 0018,en,Europe/London,"
    "2026-02-27T10:00:00+00:00,2026-03-10,UK,0,CUP-1,1,8.00,EUR,open\n"
    "1002,,C2,Jürgen Weiß,jw@example.de,,de,Europe/Berlin,"
    "2026-02-28 09:15,,EU,1,MUG-1,1,12.50,EUR,\n"
)

PURCHASE_ORDERS = """po_id,sku,quantity,received_quantity,expected_date,status,supplier
PO-1,CUP-1,10,0,2026-03-16,confirmed,Potter & Co
PO-2,MUG-1,5,,2026-03-20,planned,
"""


def order_row(**changes: str) -> str:
    """One orders row (order 2001 of customer C3) with some cells replaced."""
    cells = {
        "order_id": "2001",
        "line_no": "",
        "customer_id": "C3",
        "customer_name": "Grace Hopper",
        "customer_email": "grace@example.com",
        "customer_phone": "",
        "customer_language": "pt-BR",
        "customer_timezone": "America/Sao_Paulo",
        "placed_at": "2026-03-01T08:00:00",
        "promised_ship_date": "",
        "jurisdiction": "US",
        "priority": "",
        "sku": "MUG-1",
        "quantity": "1",
        "unit_price": "12.50",
        "currency": "EUR",
        "status": "",
    }
    cells.update(changes)
    return ",".join(cells.values()) + "\n"
