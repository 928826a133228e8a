"""The one "reason required" rule (jxtrack.domain.reasons)."""

from __future__ import annotations

import pytest

from jxtrack.domain.reasons import ReasonRequired, message, require_reason


@pytest.mark.parametrize("blank", [None, "", "   ", "\t\n", "　　"])
def test_a_missing_or_blank_reason_is_refused_with_the_one_message(blank):
    with pytest.raises(ReasonRequired) as exc:
        require_reason(blank, "撤回上传")
    assert str(exc.value) == "请写明撤回上传的原因：原因为必填项，将与操作人、时间一起记入操作日志。"
    assert exc.value.what == "撤回上传"


def test_a_reason_is_kept_without_its_surrounding_space():
    assert require_reason("  数据填错，已重新上传 \n", "撤回上传") == "数据填错，已重新上传"


def test_one_template_for_every_change():
    assert message("切换约束性目标") == "请写明切换约束性目标的原因：原因为必填项，将与操作人、时间一起记入操作日志。"
