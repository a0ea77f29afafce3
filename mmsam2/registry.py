"""mmsam2's registries.

Every registry is a child of the mmengine root registry of the same name, with
``locations`` set so that building from a config imports the module that defines
the requested type (no ``register_all_modules`` call is needed). The default scope
is ``mmsam2``; mmdet components are reached as ``mmdet.X``.

The nodes defined here are: ``RUNNERS``, ``RUNNER_CONSTRUCTORS``, ``LOOPS``,
``HOOKS``, ``LOG_PROCESSORS``, ``OPTIMIZERS``, ``OPTIM_WRAPPERS``,
``OPTIM_WRAPPER_CONSTRUCTORS``, ``PARAM_SCHEDULERS``, ``DATASETS``,
``DATA_SAMPLERS``, ``TRANSFORMS``, ``MODELS``, ``MODEL_WRAPPERS``,
``WEIGHT_INITIALIZERS``, ``TASK_UTILS``, ``METRICS``, ``EVALUATOR``,
``VISUALIZERS``, ``VISBACKENDS`` and ``INFERENCERS`` (21 in all).
"""

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, locations=['mmsam2.engine'])
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMENGINE_RUNNER_CONSTRUCTORS, locations=['mmsam2.engine']
)
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['mmsam2.engine'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['mmsam2.engine'])
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMENGINE_LOG_PROCESSORS, locations=['mmsam2.engine']
)
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, locations=['mmsam2.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, locations=['mmsam2.engine']
)
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['mmsam2.engine'],
)
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, locations=['mmsam2.engine']
)

DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, locations=['mmsam2.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, locations=['mmsam2.datasets']
)
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, locations=['mmsam2.datasets.transforms']
)

MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['mmsam2.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, locations=['mmsam2.models']
)
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, locations=['mmsam2.models']
)
TASK_UTILS = Registry('task util', parent=MMENGINE_TASK_UTILS, locations=['mmsam2.models'])

METRICS = Registry('metric', parent=MMENGINE_METRICS, locations=['mmsam2.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR, locations=['mmsam2.evaluation'])

VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, locations=['mmsam2.visualization']
)
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, locations=['mmsam2.visualization']
)

INFERENCERS = Registry('inferencer', parent=MMENGINE_INFERENCERS, locations=['mmsam2.apis'])
