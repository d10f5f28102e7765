"""What the factories of the apps share."""

import factory


class NamedFactory(factory.django.DjangoModelFactory):
    """A record of a list that is known by its name, in English and in Chinese (a department, a
    commodity, a port): made once a name, and the same record found again when the name is asked for."""

    class Meta:
        abstract = True
        django_get_or_create = ["name"]


def named_factory(model, name: str, name_zh: str, **fields) -> type[NamedFactory]:
    """The NamedFactory of `model`, whose records are called `name` (`name_zh`) unless told otherwise."""
    return factory.make_factory(model, FACTORY_CLASS=NamedFactory, name=name, name_zh=name_zh, **fields)
