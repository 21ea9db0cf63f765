from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "govplus.exchange"
    label = "exchange"
    verbose_name = "数据共享交换 / Data exchange"
