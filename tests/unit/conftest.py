from collections.abc import Iterator

import pytest

from tests.stand_ins.esms import EsmsStandIn


@pytest.fixture
def esms() -> Iterator[EsmsStandIn]:
    stand_in = EsmsStandIn().start()
    yield stand_in
    stand_in.stop()
