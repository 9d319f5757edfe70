"""A run started from the command line keeps no step's output alive after the
step: stage results go on through files, so memory holds one step's frames, not
every stage's at once; the collection at a step boundary frees the run's garbage
without walking the objects that were alive before the run."""

import gc
import weakref

import dagster as dg
import pandas as pd

from customer_master.pipelines.resources import StageResultIOManager
from customer_master.run_inprocess import _execute_in_process

outputs: list[weakref.ref] = []


@dg.asset
def rows() -> pd.DataFrame:
    frame = pd.DataFrame({"row_key": range(1000)})
    outputs.append(weakref.ref(frame))
    return frame


@dg.asset
def counted(rows: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({"rows": [len(rows)]})
    outputs.append(weakref.ref(frame))
    return frame


def test_a_step_output_is_released_once_it_is_stored(tmp_path):
    job = dg.Definitions(assets=[rows, counted],
                         resources={"io_manager": StageResultIOManager(base_dir=str(tmp_path))}
                         ).resolve_implicit_global_asset_job_def()
    outputs.clear()
    result = _execute_in_process(job, run_config={}, instance=dg.DagsterInstance.ephemeral(), tags={"t": "1"})
    assert result.success and result.dagster_run.tags["t"] == "1"
    gc.collect()
    assert len(outputs) == 2 and all(ref() is None for ref in outputs)  # nothing holds the frames
    # the control: Dagster's own execute_in_process keeps them for its result
    outputs.clear()
    kept = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())
    gc.collect()
    assert kept.success and all(ref() is not None for ref in outputs)


def test_memory_a_step_freed_goes_back_to_the_system_before_the_next_step():
    from customer_master.benchmarks.measured import resident_bytes
    from customer_master.freed_memory import give_back_freed_memory

    before = resident_bytes()
    strings = [("甲" * 400) + str(i) for i in range(200_000)]  # ~250 MB of strings, as a frame's cells
    pinned = [bytearray(100) for _ in range(1000)]  # allocated after them: the heap cannot just shrink
    del strings
    kept = resident_bytes() - before
    give_back_freed_memory()
    given_back = kept - (resident_bytes() - before)
    assert kept > 150 * 2**20, "the allocator kept the freed strings (what the step boundary is for)"
    assert given_back > 150 * 2**20
    assert len(pinned) == 1000


class _Cycle:
    def __init__(self):
        self.me = self  # freed only by a collection, never by its reference count


seen_in_steps: dict[str, object] = {}


@dg.asset
def made_a_cycle() -> pd.DataFrame:
    cycle = _Cycle()
    seen_in_steps["cycle"] = weakref.ref(cycle)
    seen_in_steps["frozen"] = gc.get_freeze_count()
    return pd.DataFrame({"n": [1]})


@dg.asset
def after_the_cycle(made_a_cycle: pd.DataFrame) -> pd.DataFrame:
    seen_in_steps["cycle_alive"] = seen_in_steps["cycle"]() is not None
    return made_a_cycle


def test_step_boundaries_collect_what_the_run_made_and_leave_older_objects_alone(tmp_path):
    job = dg.Definitions(assets=[made_a_cycle, after_the_cycle],
                         resources={"io_manager": StageResultIOManager(base_dir=str(tmp_path))}
                         ).resolve_implicit_global_asset_job_def()
    seen_in_steps.clear()
    gc.disable()  # only the step boundary's collection may free the cycle
    try:
        result = _execute_in_process(job, run_config={}, instance=dg.DagsterInstance.ephemeral(), tags={})
    finally:
        gc.enable()
    assert result.success
    assert seen_in_steps["frozen"] > 10_000  # the objects from before the run (the modules) set aside
    assert seen_in_steps["cycle_alive"] is False  # the run's own garbage collected before the next step
    assert gc.get_freeze_count() == 0  # given back to the collector when the run ended


def test_the_stages_per_value_caches_are_emptied_between_steps():
    """What standardisation cached per distinct value (places, streets, phones,
    names) does not stay in memory for the rest of the run; the values come out
    the same when computed again."""
    from customer_master.freed_memory import give_back_freed_memory
    from customer_master.standardise.addresses import street_parts
    from customer_master.standardise.names import company_name
    from customer_master.standardise.phones import parse_phone
    from customer_master.standardise.places import parse_place

    calls = [(parse_place, "广东省深圳市南山区科技园路1号"), (street_parts, "科技园路1号"),
             (parse_phone, "13812345678"), (company_name, "深圳市华信科技有限公司")]
    first = [function(value) for function, value in calls]
    assert all(function.cache_info().currsize > 0 for function, _ in calls)
    give_back_freed_memory()
    assert [function.cache_info().currsize for function, _ in calls] == [0, 0, 0, 0]
    assert [function(value) for function, value in calls] == first
