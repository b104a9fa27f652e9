"""tf.image (eagerflow/ops/image/): values against TF 2.21 (numbers stored below), NumPy and
closed forms; gradients against finite differences; eager, tf.function, unknown dims, tf.data."""

import io

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.ops import image as image_ops
from eagerflow.ops.image import color as color_ops
from eagerflow.ops.image import resizing as resize_ops
from tests.harness import OpCase, check_case


def img(shape, mult=7, mod=11, div=10.0) -> np.ndarray:
    """A deterministic test image (the same formula made the TF reference values)."""
    n = int(np.prod(shape))
    return ((np.arange(n) * mult) % mod / div).reshape(shape).astype(np.float32)


# TF 2.21 outputs for the inputs below: name -> (shape, dtype, flat values).
REF = {
    'resize_bilinear_0_2x5': ((1, 2, 5, 1), 'float32', [
        0.15, 0.4475, 0.5125, 0.5775, 0.875, 0.225, 0.5225, 0.5875, 0.405, 0.125
    ]),
    'resize_bilinear_0_6x3': ((1, 6, 3, 1), 'float32', [
        0.1166667, 0.5, 0.8833334, 0.2208334, 0.5125, 0.8041667, 0.4291667, 0.5375, 0.6458333,
        0.4541667, 0.5625, 0.4416666, 0.2958333, 0.5875, 0.1916666, 0.2166667, 0.6, 0.0666666
    ]),
    'resize_bilinear_1_2x5': ((1, 2, 5, 1), 'float32', [
        0.225, 0.42625, 0.5187501, 0.61125, 0.8125001, 0.2875, 0.48875, 0.5812501, 0.4675001, 0.1875
    ]),
    'resize_bilinear_1_6x3': ((1, 6, 3, 1), 'float32', [
        0.21, 0.5, 0.7900001, 0.2775, 0.5125, 0.7475001, 0.4125, 0.5375, 0.6625, 0.4375, 0.5625,
        0.495, 0.3525, 0.5875, 0.245, 0.31, 0.6, 0.12
    ]),
    'resize_nearest_0_2x5': ((1, 2, 5, 1), 'float32', [
        0.0, 0.7, 0.3, 0.3, 1.0, 0.1, 0.8, 0.4, 0.4, 0.0
    ]),
    'resize_nearest_0_6x3': ((1, 6, 3, 1), 'float32', [
        0.0, 0.3, 1.0, 0.0, 0.3, 1.0, 0.6, 0.9, 0.5, 0.6, 0.9, 0.5, 0.1, 0.4, 0.0, 0.1, 0.4, 0.0
    ]),
    'resize_bicubic_0_2x5': ((1, 2, 5, 1), 'float32', [
        0.1046721, 0.4728802, 0.5068887, 0.5506628, 0.9372426, 0.1878838, 0.5560918, 0.6473084,
        0.3771955, 0.06565335
    ]),
    'resize_bicubic_0_6x3': ((1, 6, 3, 1), 'float32', [
        0.04342875, 0.4955882, 0.9477477, 0.1799363, 0.5068887, 0.8581921, 0.4692164, 0.5307729,
        0.6687286, 0.498224, 0.5797234, 0.4150472, 0.263148, 0.6473084, 0.1304781, 0.1522523,
        0.679228, -0.003950536
    ]),
    'resize_bicubic_1_2x5': ((1, 2, 5, 1), 'float32', [
        0.2182923, 0.4228491, 0.5127307, 0.6205186, 0.8587379, 0.2873132, 0.49187, 0.6292034,
        0.4764548, 0.135678
    ]),
    'resize_bicubic_1_6x3': ((1, 6, 3, 1), 'float32', [
        0.1724795, 0.4955883, 0.8186971, 0.2498322, 0.5075462, 0.7850908, 0.413737, 0.5328359,
        0.7141508, 0.4427447, 0.5730757, 0.5029328, 0.3330438, 0.6229785, 0.179188, 0.281303,
        0.6465496, 0.02630245
    ]),
    'resize_area_0_2x5': ((1, 2, 5, 1), 'float32', [
        0.2, 0.45, 0.5166667, 0.5833333, 0.8333333, 0.2666667, 0.5166667, 0.5833334, 0.4666666,
        0.1666667
    ]),
    'resize_area_0_6x3': ((1, 6, 3, 1), 'float32', [
        0.175, 0.5, 0.825, 0.175, 0.5, 0.825, 0.5, 0.5500001, 0.6, 0.5, 0.5500001, 0.6, 0.275, 0.6,
        0.09999998, 0.275, 0.6, 0.09999998
    ]),
    'resize_lanczos3_0_2x5': ((1, 2, 5, 1), 'float32', [
        0.115059, 0.4634446, 0.4964094, 0.572307, 0.9694695, 0.2027376, 0.5230578, 0.7218686,
        0.3569934, 0.03689781
    ]),
    'resize_lanczos3_0_6x3': ((1, 6, 3, 1), 'float32', [
        0.03188013, 0.5013671, 0.9217875, 0.1993168, 0.4964094, 0.8733423, 0.4563065, 0.5100609,
        0.7302148, 0.4942228, 0.6109424, 0.3892931, 0.2840557, 0.7218686, 0.1114192, 0.1374685,
        0.7822993, -0.02760277
    ]),
    'resize_lanczos3_1_2x5': ((1, 2, 5, 1), 'float32', [
        0.2310479, 0.4112866, 0.5023503, 0.643373, 0.8803713, 0.3036529, 0.4606512, 0.6890488,
        0.4650761, 0.1081267
    ]),
    'resize_lanczos3_1_6x3': ((1, 6, 3, 1), 'float32', [
        0.1885405, 0.4979962, 0.7697567, 0.2664585, 0.5018947, 0.7986673, 0.3891166, 0.5214928,
        0.7817038, 0.4214717, 0.5876963, 0.4939716, 0.3387687, 0.6498522, 0.1556166, 0.2786423,
        0.682358, -0.03151311
    ]),
    'resize_lanczos5_0_2x5': ((1, 2, 5, 1), 'float32', [
        0.1122062, 0.4714082, 0.4819872, 0.5774198, 1.006799, 0.22151, 0.4934278, 0.7833202,
        0.3432224, 0.011411
    ]),
    'resize_lanczos5_0_6x3': ((1, 6, 3, 1), 'float32', [
        0.05376686, 0.5182148, 0.8577698, 0.2222267, 0.4819872, 0.8802716, 0.4530371, 0.4922265,
        0.7590706, 0.4834838, 0.6357677, 0.3820426, 0.2861426, 0.7833202, 0.08878511, 0.1247528,
        0.8528794, -0.02126618
    ]),
    'resize_lanczos5_1_2x5': ((1, 2, 5, 1), 'float32', [
        0.2303732, 0.4191183, 0.49365, 0.6435485, 0.8946248, 0.3178686, 0.4367445, 0.7348606,
        0.4560785, 0.09783813
    ]),
    'resize_lanczos5_1_6x3': ((1, 6, 3, 1), 'float32', [
        0.20916, 0.5056286, 0.7125848, 0.27799, 0.4959471, 0.8131857, 0.3786363, 0.5151685,
        0.8148636, 0.4069713, 0.594852, 0.4917412, 0.337473, 0.6632249, 0.134862, 0.2752227,
        0.6914097, -0.04077108
    ]),
    'resize_gaussian_0_2x5': ((1, 2, 5, 1), 'float32', [
        0.1949803, 0.4408062, 0.513447, 0.5860879, 0.8319138, 0.2680862, 0.5139121, 0.5865529,
        0.4167024, 0.1677398
    ]),
    'resize_gaussian_0_6x3': ((1, 6, 3, 1), 'float32', [
        0.1635987, 0.5023713, 0.841144, 0.245677, 0.513447, 0.7812172, 0.4109044, 0.538781,
        0.6360856, 0.4333422, 0.5612189, 0.4631959, 0.3187829, 0.5865529, 0.2179141, 0.2588561,
        0.5976287, 0.1071563
    ]),
    'resize_gaussian_1_2x5': ((1, 2, 5, 1), 'float32', [
        0.2528792, 0.4302354, 0.5228025, 0.6018966, 0.7517622, 0.3072743, 0.4846304, 0.5771975,
        0.4758638, 0.2575777
    ]),
    'resize_gaussian_1_6x3': ((1, 6, 3, 1), 'float32', [
        0.2377426, 0.5023713, 0.7670001, 0.2937074, 0.513447, 0.7331868, 0.4074843, 0.5369394,
        0.6442531, 0.4299222, 0.5476103, 0.5016947, 0.3668133, 0.5482146, 0.268708, 0.3330001,
        0.5476736, 0.161781
    ]),
    'resize_mitchellcubic_0_2x5': ((1, 2, 5, 1), 'float32', [
        0.1551755, 0.4483511, 0.510518, 0.5785945, 0.8825807, 0.2330381, 0.5262137, 0.6181196,
        0.3968175, 0.117041
    ]),
    'resize_mitchellcubic_0_6x3': ((1, 6, 3, 1), 'float32', [
        0.1069799, 0.4984554, 0.8899311, 0.2203864, 0.510518, 0.8149693, 0.4321879, 0.5353454,
        0.6614403, 0.4597329, 0.5734109, 0.4364772, 0.298249, 0.6181196, 0.1790546, 0.2100691,
        0.6409189, 0.04798695
    ]),
    'resize_mitchellcubic_1_2x5': ((1, 2, 5, 1), 'float32', [
        0.2383451, 0.4212958, 0.5189078, 0.6184478, 0.8049249, 0.3001701, 0.4831207, 0.6043465,
        0.4741119, 0.1970657
    ]),
    'resize_mitchellcubic_1_6x3': ((1, 6, 3, 1), 'float32', [
        0.2094499, 0.4984554, 0.787461, 0.2769622, 0.5111312, 0.7563814, 0.4037796, 0.5363277,
        0.6866256, 0.4313245, 0.5626784, 0.5001001, 0.3548248, 0.5856179, 0.2291201, 0.3125392,
        0.597075, 0.08937279
    ]),
    'resize_with_pad_3x5': ((3, 5, 2), 'float32', [
        0.8333333, 0.4375, 0.5833333, 0.8958333, 0.3333333, 0.6458333, 0.0, 0.0, 0.0, 0.0, 0.5,
        0.8125, 0.25, 0.5625, 0.0, 0.3125, 0.0, 0.0, 0.0, 0.0, 0.1666666, 0.4791666, 0.6250002,
        0.2291666, 0.7291666, 0.6875002, 0.0, 0.0, 0.0, 0.0
    ]),
    'resize_with_pad_10x4': ((10, 4, 2), 'float32', [
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5989583, 0.46875, 0.3229167, 0.3255208, 0.5338542,
        0.4479167, 0.3020833, 0.4817708, 0.6640625, 0.578125, 0.609375, 0.921875, 0.8203125,
        0.203125, 0.234375, 0.546875, 0.3307291, 0.5104167, 0.4088541, 0.6770833, 0.4869791,
        0.4895835, 0.5651041, 0.6562501, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0, 0.0
    ]),
    'resize_aspect_10x4': ((3, 4, 2), 'float32', [
        0.5989583, 0.46875, 0.3229167, 0.3255208, 0.5338542, 0.4479167, 0.3020833, 0.4817708,
        0.6640625, 0.578125, 0.609375, 0.921875, 0.8203125, 0.203125, 0.234375, 0.546875, 0.3307291,
        0.5104167, 0.4088541, 0.6770833, 0.4869791, 0.4895835, 0.5651041, 0.6562501
    ]),
    'crop_and_resize_bilinear': ((4, 2, 3, 2), 'float32', [
        0.4, 0.65, 0.4625, 0.55, 0.525, 0.45, 0.7833333, 0.1666667, 0.575, 0.825, 0.475, 0.6166666,
        0.4166667, 0.6666667, 0.5833333, 0.2916667, 0.75, 1.0, 1.0, 0.1666667, 0.625, 0.3333333,
        0.25, 0.5, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, 0.425,
        0.35, 0.4708333, 0.5583333, 0.5166667, 0.7666667, 0.575, 0.6083333, 0.2958333, 0.3833333,
        0.2333333, 0.4833333
    ]),
    'crop_and_resize_nearest': ((4, 2, 3, 2), 'float32', [
        0.5, 0.75, 0.4166667, 0.6666667, 0.3333333, 0.5833333, 0.8333333, 0.0, 0.75, 1.0, 0.6666667,
        0.9166667, 0.4166667, 0.6666667, 0.8333333, 0.0, 0.75, 1.0, 1.0, 0.1666667, 0.3333333,
        0.5833333, 0.25, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.5,
        0.3333333, 0.5833333, 0.4166667, 0.6666667, 0.1666667, 0.4166667, 0.25, 0.5, 0.3333333,
        0.5833333
    ]),
    'crop_and_resize_1x1': ((4, 1, 1, 2), 'float32', [
        0.7625, 0.3625, 0.3333333, 0.5833333, 0.3083332, 0.45, 0.7083333, 0.1458333
    ]),
    'rgb_to_hsv': ((2, 3, 3), 'float32', [
        0.5833334, 1.0, 0.8333333, 0.5833334, 0.8333333, 1.0, 0.2708333, 0.8888889, 0.75, 0.2708333,
        0.7272727, 0.9166667, 0.8958333, 1.0, 0.6666667, 0.8958333, 0.8, 0.8333333
    ]),
    'hsv_to_rgb': ((2, 3, 3), 'float32', [
        0.825, 0.4846875, 0.4846875, 0.99, 0.9842828, 0.418275, 0.02246887, 0.0825, 0.02124375,
        0.02289374, 0.2475, 0.2407618, 0.4125, 0.4125, 0.4125, 0.5727355, 0.4822125, 0.5775
    ]),
    'rgb_to_yuv': ((2, 3, 3), 'float32', [
        0.3395833, 0.2429798, -0.2979107, 0.50625, 0.2429798, -0.2979107, 0.5494167, -0.2293647,
        -0.1895662, 0.7160833, -0.2293648, -0.1895662, 0.2468333, 0.08357685, 0.3683127, 0.4135,
        0.08357684, 0.3683126
    ]),
    'yuv_to_rgb': ((2, 3, 3), 'float32', [
        0.9499025, -0.6482858, 0.8466924, 1.30655, -0.6441632, 1.352036, 0.4283236, -0.01103355,
        1.85738, 0.7849708, -0.006910935, 2.362723, 1.141618, 0.4247409, 0.6666667, 1.498265,
        0.4288635, 1.17201
    ]),
    'rgb_to_yiq': ((2, 3, 3), 'float32', [
        0.3395833, -0.3821852, 0.04152621, 0.50625, -0.3821852, 0.04152012, 0.5494167, -0.03406262,
        -0.2956189, 0.7160833, -0.03406264, -0.295625, 0.2468333, 0.2633738, 0.2706665, 0.4135,
        0.2633738, 0.2706604
    ]),
    'yiq_to_rgb': ((2, 3, 3), 'float32', [
        0.9156816, -0.6526755, 0.9590503, 1.34515, -0.6392117, 1.225299, 1.102059, 0.07539003,
        -0.3547026, 1.531527, 0.08885385, -0.08845425, 0.9253437, 0.3969983, 1.376763, 1.354812,
        0.4104621, 1.643011
    ]),
    'rgb_to_grayscale': ((2, 3, 1), 'float32', [
        0.3395833, 0.5062333, 0.5493834, 0.7160334, 0.2467667, 0.4134167
    ]),
    'rgb_to_grayscale_u8': ((2, 3, 1), 'uint8', [86, 128, 140, 182, 63, 105]),
    'adjust_saturation': ((2, 3, 3), 'float32', [
        0.0, 0.4166667, 0.8333333, 0.0, 0.5, 1.0, 0.28125, 0.75, 0.0, 0.34375, 0.9166667, 0.0,
        0.6666667, 0.0, 0.4166667, 0.8333333, 0.0, 0.5208333
    ]),
    'adjust_saturation_u8': ((2, 3, 3), 'uint8', [
        127, 169, 212, 170, 212, 255, 148, 191, 123, 190, 233, 165, 170, 102, 144, 212, 144, 186
    ]),
    'adjust_hue': ((2, 3, 3), 'float32', [
        0.8333333, 0.0, 0.5833331, 1.0, 0.1666667, 0.7499998, 0.08333334, 0.4666665, 0.75, 0.25,
        0.6333332, 0.9166667, 0.5499999, 0.6666667, 0.0, 0.7166665, 0.8333333, 0.1666667
    ]),
    'adjust_hue_u8': ((2, 3, 3), 'uint8', [
        212, 169, 0, 255, 213, 42, 178, 21, 191, 220, 63, 233, 0, 170, 115, 42, 212, 157
    ]),
    'adjust_contrast': ((2, 3, 3), 'float32', [
        -0.3333333, 0.3722222, 1.077778, -0.0333333, 0.6722222, 1.377778, 0.2666667, 0.9722222,
        -0.2722222, 0.5666667, 1.272222, 0.02777779, 0.8666667, -0.3777778, 0.3277777, 1.166667,
        -0.07777774, 0.6277777
    ]),
    'adjust_contrast_u8': ((2, 3, 3), 'uint8', [
        0, 94, 255, 0, 170, 255, 68, 248, 0, 144, 255, 6, 221, 0, 83, 255, 0, 159
    ]),
    'adjust_gamma': ((2, 3, 3), 'float32', [
        0.0, 0.1311528, 0.6026202, 0.01747068, 0.2749536, 0.9, 0.08027416, 0.4779443, 0.003802277,
        0.1958739, 0.7432034, 0.04262953, 0.3688432, 0.0, 0.1311528, 0.6026202, 0.01747068,
        0.2749536
    ]),
    'adjust_gamma_u8': ((2, 3, 3), 'uint8', [
        0, 164, 232, 103, 194, 255, 147, 221, 73, 180, 244, 126, 208, 0, 164, 232, 103, 194
    ]),
    'adjust_brightness_u8': ((2, 3, 3), 'uint8', [
        76, 182, 255, 118, 224, 255, 161, 255, 97, 203, 255, 139, 246, 76, 182, 255, 118, 224
    ]),
    'per_image_standardization': ((2, 3, 3), 'float32', [
        -1.520526, -0.1788854, 1.162755, -0.9838698, 0.3577709, 1.699412, -0.4472135, 0.8944272,
        -1.252198, 0.08944276, 1.431084, -0.7155417, 0.6260992, -1.520526, -0.1788854, 1.162755,
        -0.9838698, 0.3577709
    ]),
    'per_image_standardization_u8': ((2, 3, 3), 'float32', [
        -1.517147, -0.1776207, 1.161906, -0.9863915, 0.3531351, 1.705299, -0.4429986, 0.896528,
        -1.251769, 0.08775723, 1.427284, -0.7210136, 0.6311501, -1.517147, -0.1776207, 1.161906,
        -0.9863915, 0.3531351
    ]),
    'per_image_standardization_const': ((2, 2, 1), 'float32', [0.0, 0.0, 0.0, 0.0]),
    'sobel_edges': ((1, 5, 6, 2, 2), 'float32', [
        1.192093e-07, 0.0, 0.0, 0.0, 0.0, 1.833333, 0.0, 1.833333, 4.470348e-08, -0.3333334,
        -8.940697e-08, -0.3333333, 5.960464e-08, -0.3333332, 0.0, -0.3333333, -3.72529e-08,
        -0.3333333, 2.086163e-07, -0.3333334, 5.960464e-08, 0.0, 1.192093e-07, 0.0, 0.1666666, 0.0,
        0.1666666, 0.0, -0.9166667, 0.7500001, 0.1666667, 1.833333, -0.9166667, 0.75, 0.1666667,
        -0.3333333, 0.1666667, -0.3333332, 0.1666667, -0.3333332, 0.1666667, -0.3333333, 0.1666666,
        -0.3333333, 0.1666668, 0.0, 0.1666667, 0.0, 0.1666667, 0.0, 0.1666666, 0.0, 0.1666667,
        -0.3333334, -0.9166667, 0.7500001, 0.1666667, 1.833333, -0.9166667, 0.75, 0.1666667,
        -0.3333333, 0.1666667, -0.3333332, 0.1666667, -0.3333332, 0.1666667, -0.3333333, 0.1666667,
        0.0, 0.1666668, 0.0, 0.1666667, 0.0, 0.1666667, 0.0, 0.1666667, -0.3333333, 0.1666667,
        -0.3333334, -0.9166667, 0.7500001, 0.1666667, 1.833333, -0.9166667, 0.75, 0.1666667,
        -0.3333333, 0.1666667, -0.3333332, 0.1666667, -0.3333332, 0.1666666, 0.0, 0.1666667, 0.0,
        0.0, 0.0, 0.0, 0.0, 0.0, -0.3333334, 5.960464e-08, -0.3333333, 0.0, -0.3333333, 0.0,
        1.833333, 4.470348e-08, 1.833333, -8.940697e-08, -0.3333333, 5.960464e-08, -0.3333333, 0.0,
        -0.3333332, 4.470348e-08, 0.0, 2.980232e-08, 0.0
    ]),
    'total_variation': ((2,), 'float32', [45.25, 45.33334]),
    'psnr': ((2,), 'float32', [7.070162, 6.598498]),
    'psnr_u8': ((2,), 'float32', [7.071928, 6.599054]),
    'ssim': ((2,), 'float32', [0.07507833, -0.04218532]),
    'ssim_map': ((2, 3, 4), 'float32', [
        0.0106762, 0.3043919, 0.430291, 0.239893, -0.2884991, 0.03077824, 0.3947986, 0.1497574,
        -0.3406465, -0.1859491, 0.1060589, 0.04938951, -0.3873163, -0.3005434, 0.009593815,
        -0.08126603, -0.404334, -0.1219123, 0.2383699, 0.02912278, -0.29859, 0.07155079, 0.4436586,
        0.2954423
    ]),
    'ssim_multiscale': ((1,), 'float32', [0.7795613]),
    'ssim_11': ((1,), 'float32', [0.6502665]),
    'extract_patches_same_rate': ((1, 3, 3, 12), 'float32', [
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0, 0.0, 3.0, 6.0, 9.0, 12.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        9.0, 12.0, 2.0, 5.0, 8.0, 11.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 8.0, 11.0, 1.0, 4.0, 0.0, 0.0,
        10.0, 0.0, 3.0, 6.0, 9.0, 12.0, 4.0, 7.0, 10.0, 0.0, 3.0, 6.0, 9.0, 12.0, 2.0, 5.0, 8.0,
        11.0, 3.0, 6.0, 9.0, 12.0, 2.0, 5.0, 8.0, 11.0, 1.0, 4.0, 0.0, 0.0, 2.0, 5.0, 8.0, 11.0,
        0.0, 0.0, 4.0, 7.0, 10.0, 0.0, 3.0, 6.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 6.0, 9.0, 12.0,
        2.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 5.0, 8.0, 11.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0, 0.0
    ]),
    'extract_patches_valid': ((1, 3, 2, 12), 'float32', [
        0.0, 3.0, 6.0, 9.0, 10.0, 0.0, 3.0, 6.0, 7.0, 10.0, 0.0, 3.0, 5.0, 8.0, 11.0, 1.0, 2.0, 5.0,
        8.0, 11.0, 12.0, 2.0, 5.0, 8.0, 10.0, 0.0, 3.0, 6.0, 7.0, 10.0, 0.0, 3.0, 4.0, 7.0, 10.0,
        0.0, 2.0, 5.0, 8.0, 11.0, 12.0, 2.0, 5.0, 8.0, 9.0, 12.0, 2.0, 5.0, 7.0, 10.0, 0.0, 3.0,
        4.0, 7.0, 10.0, 0.0, 1.0, 4.0, 7.0, 10.0, 12.0, 2.0, 5.0, 8.0, 9.0, 12.0, 2.0, 5.0, 6.0,
        9.0, 12.0, 2.0
    ]),
    'central_crop_0.5': ((5, 5, 2), 'float32', [
        0.5, 0.8125, 0.0625, 0.375, 0.6875, 1.0, 0.25, 0.5625, 0.875, 0.125, 0.8125, 0.0625, 0.375,
        0.6875, 1.0, 0.25, 0.5625, 0.875, 0.125, 0.4375, 0.0625, 0.375, 0.6875, 1.0, 0.25, 0.5625,
        0.875, 0.125, 0.4375, 0.75, 0.375, 0.6875, 1.0, 0.25, 0.5625, 0.875, 0.125, 0.4375, 0.75,
        0.0, 0.6875, 1.0, 0.25, 0.5625, 0.875, 0.125, 0.4375, 0.75, 0.0, 0.3125
    ]),
    'central_crop_0.33': ((3, 3, 2), 'float32', [
        0.375, 0.6875, 1.0, 0.25, 0.5625, 0.875, 0.6875, 1.0, 0.25, 0.5625, 0.875, 0.125, 1.0, 0.25,
        0.5625, 0.875, 0.125, 0.4375
    ]),
    'resize_with_crop_or_pad_4x12': ((4, 12, 2), 'float32', [
        0.0, 0.0, 0.3125, 0.625, 0.9375, 0.1875, 0.5, 0.8125, 0.0625, 0.375, 0.6875, 1.0, 0.25,
        0.5625, 0.875, 0.125, 0.4375, 0.75, 0.0, 0.3125, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.625,
        0.9375, 0.1875, 0.5, 0.8125, 0.0625, 0.375, 0.6875, 1.0, 0.25, 0.5625, 0.875, 0.125, 0.4375,
        0.75, 0.0, 0.3125, 0.625, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.9375, 0.1875, 0.5, 0.8125, 0.0625,
        0.375, 0.6875, 1.0, 0.25, 0.5625, 0.875, 0.125, 0.4375, 0.75, 0.0, 0.3125, 0.625, 0.9375,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1875, 0.5, 0.8125, 0.0625, 0.375, 0.6875, 1.0, 0.25, 0.5625,
        0.875, 0.125, 0.4375, 0.75, 0.0, 0.3125, 0.625, 0.9375, 0.1875, 0.0, 0.0, 0.0, 0.0
    ]),
    'nms_0.3': ((6,), 'int32', [5, 10, 3, 8, 1, 6]),
    'nms_0.1_thresh0.4': ((5,), 'int32', [5, 10, 3, 8, 6]),
    'soft_nms_indices': ((5,), 'int32', [5, 10, 3, 8, 1]),
    'soft_nms_scores': ((5,), 'float32', [0.9266667, 0.8433333, 0.76, 0.6766667, 0.5827231]),
    'nms_padded': ((8,), 'int32', [5, 10, 3, 8, 1, 6, 4, 9]),
    'nms_padded_valid': ((), 'int32', [8]),
    'cid_f32_u8': ((5,), 'uint8', [0, 76, 127, 255, 255]),
    'cid_f32_u8_sat': ((7,), 'uint8', [0, 0, 76, 127, 255, 255, 255]),
    'cid_f32_i32_sat': ((7,), 'int32', [
        -1288490240, 0, 644245120, 1073741824, 2145336192, 2147483520, 2147483520
    ]),
    'cid_f32_i16': ((5,), 'int16', [0, 9830, 16383, 32734, 32767]),
    'cid_u8_f32': ((6,), 'float32', [0.0, 0.003921569, 0.4980392, 0.5019608, 0.9960785, 1.0]),
    'cid_u8_i32': ((6,), 'int32', [0, 8388608, 1065353216, 1073741824, 2130706432, 2139095040]),
    'cid_u8_u16': ((6,), 'uint16', [0, 256, 32512, 32768, 65024, 65280]),
    'cid_u16_u8': ((5,), 'uint8', [0, 0, 1, 127, 255]),
    'cid_i32_u8': ((5,), 'uint8', [0, 255, 0, 2, 255]),
    'cid_i32_u8_sat': ((5,), 'uint8', [0, 0, 0, 2, 255]),
    'cid_i32_i8': ((5,), 'int8', [-128, -1, 0, 1, 127]),
    'combined_nms_boxes': ((2, 5, 4), 'float32', [
        0.0, 0.1472527, 0.2840659, 0.7758242, 0.2598901, 0.7873626, 0.817033, 1.0, 0.4796703, 0.0,
        0.7510989, 0.2428572, 0.0, 0.1774725, 0.1, 0.5917583, 0.0, 0.1472527, 0.2840659, 0.7758242,
        0.2241758, 0.7516484, 0.8527473, 1.0, 0.6445055, 0.171978, 1.0, 0.4434066, 0.0, 0.367033,
        0.4681319, 0.7098901, 0.0, 0.1417582, 0.1357143, 0.6274725, 0.4494506, 0.0, 0.9351649,
        0.1769231
    ]),
    'combined_nms_scores': ((2, 5), 'float32', [
        0.9511765, 0.8923529, 0.8335294, 0.8335294, 0.7747059, 0.9511765, 0.9511765, 0.8923529,
        0.8923529, 0.7747059
    ]),
    'combined_nms_classes': ((2, 5), 'float32', [0.0, 1.0, 1.0, 2.0, 2.0, 1.0, 2.0, 0.0, 2.0, 1.0]),
    'combined_nms_valid': ((2,), 'int32', [5, 5]),
    'glimpse_centered': ((2, 3, 4, 1), 'float32', [
        0.5166667, 0.7666667, 1.016667, 0.1833333, 0.9333333, 0.1, 0.35, 0.6, 0.2666667, 0.5166667,
        0.7666667, 1.016667, 0.9333333, 0.1, 0.35, 0.0, 0.2666667, 0.5166667, 0.7666667, 0.0, 0.0,
        0.0, 0.0, 0.0
    ]),
    'glimpse_pixels': ((2, 4, 3, 1), 'float32', [
        0.0, 0.0, 0.0, 0.6, 0.85, 1.1, 1.016667, 0.1833333, 0.4333333, 0.35, 0.6, 0.85, 0.1, 0.35,
        0.0, 0.5166667, 0.7666667, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    ]),
    'nms_overlaps': ((3,), 'int32', [5, 3, 1]),
}


def ref(name: str) -> np.ndarray:
    shape, dtype, values = REF[name]
    return np.asarray(values, dtype).reshape(shape)


X1 = img((1, 3, 4, 1))
RGB = img((2, 3, 3), 5, 13, 12.0)
U8 = (RGB * 255).astype(np.uint8)
X7 = img((7, 9, 2), 5, 17, 16.0)
I4 = img((2, 5, 6, 2), 3, 13, 12.0)
J4 = img((2, 5, 6, 2), 5, 11, 10.0)
BOXES = np.array([[0.1, 0.2, 0.8, 0.9], [0.5, 0.0, 1.0, 1.0], [-0.2, -0.1, 1.3, 0.7],
                  [0.9, 0.9, 0.1, 0.2]], np.float32)
BOX_INDICES = np.array([0, 1, 0, 1], np.int32)
S1 = img((1, 48, 50, 1), 7, 23, 22.0)
S2 = img((1, 48, 50, 1), 5, 19, 18.0) * 0.5 + S1 * 0.5
P = img((1, 5, 6, 2), 3, 13, 1.0)
_N = 12
_CENTERS = np.stack([(np.arange(_N) * 5 % 7) / 7.0, (np.arange(_N) * 3 % 5) / 5.0], 1)
_SIZES = np.stack([0.2 + (np.arange(_N) % 3) * 0.1, 0.25 + (np.arange(_N) % 4) * 0.05], 1)
NMS_BOXES = np.concatenate([_CENTERS - _SIZES / 2, _CENTERS + _SIZES / 2], 1).astype(np.float32)
NMS_SCORES = ((np.arange(_N) * 7 % 12) / 12.0 + 0.01).astype(np.float32)
V = np.array([-0.6, 0.0, 0.3, 0.5, 0.999, 1.0, 1.2], np.float32)
W8 = np.array([0, 1, 127, 128, 254, 255], np.uint8)
W16 = np.array([0, 255, 256, 32767, 65535], np.uint16)
W32 = np.array([-2**31, -5, 0, 2**24, 2**31 - 1], np.int32)
GLIMPSE = img((2, 5, 6, 1), 3, 13, 12.0) + 0.1

METHODS = ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
           "mitchellcubic"]
image = tf.image


def _resize_cases():
    cases = []
    for method in METHODS:
        for antialias in (False, True):
            if method in ("nearest", "area") and antialias:
                continue
            for size in ((2, 5), (6, 3)):
                name = f"resize_{method}_{int(antialias)}_{size[0]}x{size[1]}"
                cases.append((name, lambda m=method, a=antialias, s=size:
                              image.resize(X1, s, m, antialias=a)))
    return cases


# name in REF -> the eagerflow computation (run eagerly and inside tf.function).
TF_CASES = _resize_cases() + [
    ("resize_with_pad_3x5", lambda: image.resize_with_pad(X7, 3, 5)),
    ("resize_with_pad_10x4", lambda: image.resize_with_pad(X7, 10, 4)),
    ("resize_aspect_10x4", lambda: image.resize(X7, (10, 4), preserve_aspect_ratio=True)),
    ("crop_and_resize_bilinear", lambda: image.crop_and_resize(
        I4, BOXES, BOX_INDICES, (2, 3), extrapolation_value=-1.0)),
    ("crop_and_resize_nearest", lambda: image.crop_and_resize(I4, BOXES, BOX_INDICES, (2, 3),
                                                              "nearest")),
    ("crop_and_resize_1x1", lambda: image.crop_and_resize(I4, BOXES, BOX_INDICES, (1, 1))),
    ("rgb_to_hsv", lambda: image.rgb_to_hsv(RGB)),
    ("hsv_to_rgb", lambda: image.hsv_to_rgb(RGB * 0.99)),
    ("rgb_to_yuv", lambda: image.rgb_to_yuv(RGB)),
    ("yuv_to_rgb", lambda: image.yuv_to_rgb(RGB)),
    ("rgb_to_yiq", lambda: image.rgb_to_yiq(RGB)),
    ("yiq_to_rgb", lambda: image.yiq_to_rgb(RGB)),
    ("rgb_to_grayscale", lambda: image.rgb_to_grayscale(RGB)),
    ("rgb_to_grayscale_u8", lambda: image.rgb_to_grayscale(U8)),
    ("adjust_saturation", lambda: image.adjust_saturation(RGB, 1.7)),
    ("adjust_saturation_u8", lambda: image.adjust_saturation(U8, 0.4)),
    ("adjust_hue", lambda: image.adjust_hue(RGB, 0.3)),
    ("adjust_hue_u8", lambda: image.adjust_hue(U8, -0.45)),
    ("adjust_contrast", lambda: image.adjust_contrast(RGB, 1.8)),
    ("adjust_contrast_u8", lambda: image.adjust_contrast(U8, 1.8)),
    ("adjust_gamma", lambda: image.adjust_gamma(RGB, 2.2, 0.9)),
    ("adjust_gamma_u8", lambda: image.adjust_gamma(U8, 0.5)),
    ("adjust_brightness_u8", lambda: image.adjust_brightness(U8, 0.3)),
    ("per_image_standardization", lambda: image.per_image_standardization(RGB)),
    ("per_image_standardization_u8", lambda: image.per_image_standardization(U8)),
    ("per_image_standardization_const",
     lambda: image.per_image_standardization(np.full((2, 2, 1), 3.0, np.float32))),
    ("sobel_edges", lambda: image.sobel_edges(I4[:1])),
    ("total_variation", lambda: image.total_variation(I4)),
    ("psnr", lambda: image.psnr(I4, J4, 1.0)),
    ("psnr_u8", lambda: image.psnr((I4 * 255).astype(np.uint8), (J4 * 255).astype(np.uint8),
                                   255)),
    ("ssim", lambda: image.ssim(I4, J4, 1.0, filter_size=3, filter_sigma=1.0)),
    ("ssim_map", lambda: image.ssim(I4, J4, 1.0, filter_size=3, filter_sigma=1.0,
                                    return_index_map=True)),
    ("ssim_multiscale", lambda: image.ssim_multiscale(S1, S2, 1.0, filter_size=3)),
    ("ssim_11", lambda: image.ssim(S1, S2, 1.0)),
    ("extract_patches_same_rate", lambda: image.extract_patches(
        P, [1, 2, 3, 1], [1, 2, 2, 1], [1, 2, 1, 1], "SAME")),
    ("extract_patches_valid", lambda: image.extract_patches(
        P, [1, 3, 2, 1], [1, 1, 3, 1], [1, 1, 1, 1], "VALID")),
    ("central_crop_0.5", lambda: image.central_crop(X7, 0.5)),
    ("central_crop_0.33", lambda: image.central_crop(X7, 0.33)),
    ("resize_with_crop_or_pad_4x12", lambda: image.resize_with_crop_or_pad(X7, 4, 12)),
    ("nms_0.3", lambda: image.non_max_suppression(NMS_BOXES, NMS_SCORES, 6, 0.3)),
    ("nms_0.1_thresh0.4", lambda: image.non_max_suppression(NMS_BOXES, NMS_SCORES, 10, 0.1,
                                                            0.4)),
    ("soft_nms_indices", lambda: image.non_max_suppression_with_scores(
        NMS_BOXES, NMS_SCORES, 5, 0.5, 0.2, 0.5)[0]),
    ("soft_nms_scores", lambda: image.non_max_suppression_with_scores(
        NMS_BOXES, NMS_SCORES, 5, 0.5, 0.2, 0.5)[1]),
    ("nms_padded", lambda: image.non_max_suppression_padded(
        NMS_BOXES, NMS_SCORES, 8, 0.3, pad_to_max_output_size=True)[0]),
    ("nms_padded_valid", lambda: image.non_max_suppression_padded(
        NMS_BOXES, NMS_SCORES, 8, 0.3, pad_to_max_output_size=True)[1]),
    ("cid_f32_u8", lambda: image.convert_image_dtype(V[1:6], tf.uint8)),
    ("cid_f32_u8_sat", lambda: image.convert_image_dtype(V, tf.uint8, saturate=True)),
    ("cid_f32_i32_sat", lambda: image.convert_image_dtype(V, tf.int32, saturate=True)),
    ("cid_f32_i16", lambda: image.convert_image_dtype(V[1:6], tf.int16)),
    ("cid_u8_f32", lambda: image.convert_image_dtype(W8, tf.float32)),
    ("cid_u8_i32", lambda: image.convert_image_dtype(W8, tf.int32)),
    ("cid_u8_u16", lambda: image.convert_image_dtype(W8, tf.uint16)),
    ("cid_u16_u8", lambda: image.convert_image_dtype(W16, tf.uint8)),
    ("cid_i32_u8", lambda: image.convert_image_dtype(W32, tf.uint8)),
    ("cid_i32_u8_sat", lambda: image.convert_image_dtype(W32, tf.uint8, saturate=True)),
    ("cid_i32_i8", lambda: image.convert_image_dtype(W32, tf.int8)),
    ("glimpse_centered", lambda: image.extract_glimpse(
        GLIMPSE, (3, 4), np.array([[0.2, -0.5], [0.9, 0.8]], np.float32), noise="zero")),
    ("glimpse_pixels", lambda: image.extract_glimpse(
        GLIMPSE, (4, 3), np.array([[-1.0, 2.0], [3.0, 4.0]], np.float32), centered=False,
        normalized=False, noise="zero")),
    ("nms_overlaps", lambda: image.non_max_suppression_overlaps(
        (img((6, 6), 5, 11, 10.0) + img((6, 6), 5, 11, 10.0).T) / 2, img((6,), 7, 13, 13.0), 4,
        0.45)),
] + [(f"combined_nms_{part}", lambda i=i: _combined_nms()[i])
     for i, part in enumerate(["boxes", "scores", "classes", "valid"])]


def _combined_nms():
    centers, sizes = img((2, 8, 2), 5, 13, 13.0), img((2, 8, 2), 3, 7, 14.0) + 0.2
    boxes = np.concatenate([centers - sizes / 2, centers + sizes / 2], -1)[:, :, None]
    scores = img((2, 8, 3), 7, 17, 17.0) + 0.01
    return image.combined_non_max_suppression(boxes, scores, 3, 5, 0.4, 0.1)


def _assert_ref(got, name: str) -> None:
    want = ref(name)
    got = np.asarray(got)
    assert got.shape == want.shape, f"{name}: shape {got.shape} vs TF {want.shape}"
    assert got.dtype == want.dtype, f"{name}: dtype {got.dtype} vs TF {want.dtype}"
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=3e-6, err_msg=name)
    else:
        np.testing.assert_array_equal(got, want, err_msg=name)


@pytest.mark.parametrize("name,compute", TF_CASES, ids=[c[0] for c in TF_CASES])
def test_matches_tensorflow(name, compute):
    _assert_ref(compute(), name)
    _assert_ref(tf.function(compute)(), name)
    assert name in REF


def test_every_reference_is_checked():
    assert sorted(REF) == sorted(name for name, _ in TF_CASES)


# ---------------------------------------------------------------------------------------------
# Harness: values vs NumPy, shape rules, tf.function, gradients vs finite differences.
# ---------------------------------------------------------------------------------------------
_rng = np.random.RandomState(0)
G4 = _rng.uniform(0.05, 0.95, (1, 4, 5, 2)).astype(np.float32)
GRGB = _rng.uniform(0.05, 0.95, (2, 3, 3)).astype(np.float32)
GB = _rng.uniform(0.05, 0.95, (1, 4, 5, 2)).astype(np.float32)
GIMG = _rng.uniform(0, 1, (2, 6, 7, 1)).astype(np.float32)
GBOX = np.array([[0.13, 0.21, 0.77, 0.88], [0.52, 0.04, 0.97, 0.61]], np.float32)
SSIM_A = _rng.uniform(0, 1, (1, 5, 5, 1)).astype(np.float32)
SSIM_B = np.clip(SSIM_A + _rng.normal(0, 0.2, SSIM_A.shape), 0, 1).astype(np.float32)


def _np_hsv(rgb):
    import colorsys

    flat = rgb.reshape(-1, 3).astype(np.float64)
    return np.array([colorsys.rgb_to_hsv(*p) for p in flat]).reshape(rgb.shape)


def _np_rgb(hsv):
    import colorsys

    flat = hsv.reshape(-1, 3).astype(np.float64)
    return np.array([colorsys.hsv_to_rgb(*p) for p in flat]).reshape(hsv.shape)


def _np_standardize(x):
    return ((x - x.mean()) / max(x.std(), 1 / np.sqrt(x.size))).astype(x.dtype)


def _np_sobel(x):
    pad = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
    h, w = x.shape[1:3]
    k = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float64)
    dy = sum(k[i, j] * pad[:, i:i + h, j:j + w] for i in range(3) for j in range(3))
    dx = sum(k.T[i, j] * pad[:, i:i + h, j:j + w] for i in range(3) for j in range(3))
    return np.stack([dy, dx], -1).astype(x.dtype)


def _resize_case(method, antialias, size=(3, 7)):
    return OpCase(f"resize_{method}_{antialias}",
                  lambda x: resize_ops._resize(x, size[0], size[1], method, antialias), (G4,),
                  rtol=1e-4, atol=1e-5)


CASES = [_resize_case(m, a) for m in METHODS for a in (False, True)
         if not (m in ("nearest", "area") and a)] + [
    _resize_case("bilinear", False, (6, 2)),
    OpCase("flip_left_right", image.flip_left_right, (G4,), lambda x: x[:, :, ::-1]),
    OpCase("flip_up_down", image.flip_up_down, (GRGB,), lambda x: x[::-1]),
    OpCase("rot90_1", lambda x: image.rot90(x, 1), (G4,), lambda x: np.rot90(x, 1, (1, 2))),
    OpCase("rot90_3", lambda x: image.rot90(x, -1), (GRGB,), lambda x: np.rot90(x, 3)),
    OpCase("rot90_2", lambda x: image.rot90(x, 2), (G4,), lambda x: np.rot90(x, 2, (1, 2))),
    OpCase("transpose", image.transpose, (G4,), lambda x: x.transpose(0, 2, 1, 3)),
    OpCase("crop_to_bounding_box", lambda x: image.crop_to_bounding_box(x, 1, 2, 2, 3), (G4,),
           lambda x: x[:, 1:3, 2:5]),
    OpCase("pad_to_bounding_box", lambda x: image.pad_to_bounding_box(x, 1, 0, 6, 7), (GRGB,),
           lambda x: np.pad(x, [(1, 3), (0, 4), (0, 0)])),
    OpCase("rgb_to_hsv", image.rgb_to_hsv, (GRGB,), lambda x: _np_hsv(x).astype(np.float32)),
    OpCase("hsv_to_rgb", image.hsv_to_rgb, (GRGB,), lambda x: _np_rgb(x).astype(np.float32)),
    OpCase("rgb_to_yuv", image.rgb_to_yuv, (GRGB,),
           lambda x: x @ np.array(color_ops._RGB_TO_YUV, np.float32)),
    OpCase("yuv_round_trip", lambda x: image.yuv_to_rgb(image.rgb_to_yuv(x)), (GRGB,),
           lambda x: x, atol=1e-5),
    # TF's YIQ matrices are inverses to about 1e-4 only.
    OpCase("yiq_round_trip", lambda x: image.yiq_to_rgb(image.rgb_to_yiq(x)), (GRGB,),
           lambda x: x, atol=1e-4),
    OpCase("rgb_to_grayscale", image.rgb_to_grayscale, (GRGB,),
           lambda x: (x @ np.array([0.2989, 0.587, 0.114], np.float32))[..., None]),
    OpCase("grayscale_to_rgb", image.grayscale_to_rgb, (GIMG,), lambda x: np.repeat(x, 3, -1)),
    OpCase("adjust_brightness", lambda x: image.adjust_brightness(x, 0.25), (GRGB,),
           lambda x: x + np.float32(0.25)),
    OpCase("adjust_contrast", lambda x: image.adjust_contrast(x, 1.5), (G4,),
           lambda x: (x - x.mean((1, 2), keepdims=True)) * 1.5 + x.mean((1, 2), keepdims=True)),
    OpCase("adjust_gamma", lambda x: image.adjust_gamma(x, 2.5, 0.7), (GRGB,),
           lambda x: 0.7 * x ** 2.5, order=2, rtol=1e-5),
    OpCase("adjust_saturation", lambda x: image.adjust_saturation(x, 0.6), (GRGB,),
           lambda x: _np_rgb(_np_hsv(x) * [1, 0.6, 1]).astype(np.float32)),
    OpCase("adjust_hue", lambda x: image.adjust_hue(x, 0.2), (GRGB,),
           lambda x: _np_rgb((_np_hsv(x) + [0.2, 0, 0]) % [1, 2, 2]).astype(np.float32)),
    OpCase("per_image_standardization", image.per_image_standardization, (GRGB,),
           _np_standardize),
    OpCase("image_gradients", lambda x: tuple(image.image_gradients(x)), (G4,),
           lambda x: [np.pad(np.diff(x, axis=1), [(0, 0), (0, 1), (0, 0), (0, 0)]),
                      np.pad(np.diff(x, axis=2), [(0, 0), (0, 0), (0, 1), (0, 0)])]),
    OpCase("sobel_edges", image.sobel_edges, (G4,), _np_sobel),
    OpCase("total_variation", image.total_variation, (G4,),
           lambda x: (np.abs(np.diff(x, axis=1)).sum((1, 2, 3)) +
                      np.abs(np.diff(x, axis=2)).sum((1, 2, 3))).astype(np.float32)),
    OpCase("psnr", lambda a, b: image.psnr(a, b, 1.0), (G4, GB),
           lambda a, b: np.float32([-10 * np.log10(np.mean((a - b) ** 2))]), order=2,
           rtol=1e-5),
    OpCase("ssim", lambda a, b: image.ssim(a, b, 1.0, filter_size=3), (SSIM_A, SSIM_B),
           rtol=1e-4, atol=1e-5),
    OpCase("crop_and_resize", lambda i, b, n: image.crop_and_resize(i, b, n, (3, 4)),
           (GIMG, GBOX, np.array([1, 0], np.int32)), rtol=1e-4, atol=1e-5),
    OpCase("crop_and_resize_nearest",
           lambda i, b, n: image.crop_and_resize(i, b, n, (3, 2), "nearest"),
           (GIMG, GBOX, np.array([0, 1], np.int32)), grad=(0,)),
    OpCase("extract_patches", lambda x: image.extract_patches(
        x, [1, 2, 2, 1], [1, 1, 2, 1], [1, 1, 1, 1], "SAME"), (G4,)),
    OpCase("resize_with_crop_or_pad", lambda x: image.resize_with_crop_or_pad(x, 2, 8), (G4,),
           lambda x: np.pad(x[:, 1:3], [(0, 0), (0, 0), (1, 2), (0, 0)])),
    OpCase("central_crop", lambda x: image.central_crop(x, 0.5), (G4,),
           lambda x: x[:, 1:3, 1:4]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op_case(case):
    check_case(case)


# ---------------------------------------------------------------------------------------------
# Unknown dims (tf.function with a relaxed signature) and dtypes.
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_resize_with_unknown_dims(method):
    data = img((2, 5, 6, 3))
    spec = tf.TensorSpec([None, None, None, 3], tf.float32)
    fn = tf.function(lambda x: image.resize(x, [4, 9], method, antialias=True),
                     input_signature=[spec])
    np.testing.assert_allclose(fn(data).numpy(),
                               image.resize(data, [4, 9], method, antialias=True).numpy(),
                               rtol=1e-6, atol=1e-6)


def test_geometry_with_unknown_dims():
    data = img((7, 9, 2), 5, 17, 16.0)
    spec = tf.TensorSpec([None, None, 2], tf.float32)

    def ops(x):
        return (image.resize_with_crop_or_pad(x, 4, 12), image.central_crop(x, 0.5),
                image.resize_with_pad(x, 3, 5), image.crop_to_bounding_box(x, 1, 2, 3, 4),
                image.pad_to_bounding_box(x, 1, 2, 9, 13), image.sobel_edges(x[None]),
                image.resize(x, [10, 4], preserve_aspect_ratio=True),
                image.rot90(x, tf.constant(3)), image.per_image_standardization(x))

    traced = tf.function(ops, input_signature=[spec])(data)
    for got, want in zip(traced, ops(tf.constant(data))):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)
    assert traced[0].shape == (4, 12, 2)


def test_resize_dtypes():
    u8 = (img((4, 5, 3)) * 255).astype(np.uint8)
    assert image.resize(u8, [2, 3], "nearest").dtype == tf.uint8
    for method in METHODS[:1] + METHODS[2:]:
        assert image.resize(u8, [2, 3], method).dtype == tf.float32
        assert image.resize(u8.astype(np.float64), [2, 3], method).dtype == tf.float32
    assert image.resize(u8.astype(np.float64), [2, 3], "nearest").dtype == tf.float64
    np.testing.assert_array_equal(image.resize(u8, [4, 5], "nearest").numpy(), u8)
    np.testing.assert_allclose(image.resize(u8, [4, 5], "bilinear").numpy(), u8)


def test_resize_bilinear_gradient_matches_tensorflow_rule():
    # TF's ResizeBilinearGrad scatters each output gradient to its two source rows/cols.
    x = tf.constant(img((1, 3, 4, 1)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = image.resize(x, [5, 2])
    grad = tape.gradient(y, x).numpy()
    assert grad.sum() == pytest.approx(10.0, rel=1e-6)  # weights of each output sum to 1
    assert np.all(grad >= 0)


def test_float_conversions_round_trip():
    u8 = np.arange(256, dtype=np.uint8)
    back = image.convert_image_dtype(image.convert_image_dtype(u8, tf.float32), tf.uint8)
    np.testing.assert_array_equal(back.numpy(), u8)
    assert image.convert_image_dtype(u8, tf.uint8).dtype == tf.uint8
    assert image.convert_image_dtype(V, tf.float16).dtype == tf.float16


def test_color_ops_keep_integer_dtypes():
    for op in (lambda x: image.adjust_brightness(x, 0.1), lambda x: image.adjust_contrast(x, 2.),
               lambda x: image.adjust_gamma(x, 2.), lambda x: image.adjust_saturation(x, 2.),
               lambda x: image.adjust_hue(x, 0.1), image.rgb_to_grayscale):
        assert op(U8).dtype == tf.uint8
    assert image.per_image_standardization(U8).dtype == tf.float32
    assert image.crop_and_resize(U8[None], BOXES[:1], [0], (2, 2)).dtype == tf.float32


def test_hsv_round_trip_and_gray():
    back = image.hsv_to_rgb(image.rgb_to_hsv(GRGB))
    np.testing.assert_allclose(back.numpy(), GRGB, atol=1e-6)
    gray = np.full((1, 2, 3), 0.4, np.float32)
    np.testing.assert_allclose(image.rgb_to_hsv(gray).numpy(), [[[0, 0, 0.4]] * 2], atol=1e-7)
    np.testing.assert_allclose(image.rgb_to_hsv(np.zeros((1, 3), np.float32)).numpy(),
                               [[0, 0, 0]])


# ---------------------------------------------------------------------------------------------
# Random ops: seeded as tf.random, stateless ones deterministic in their seed.
# ---------------------------------------------------------------------------------------------
def test_random_flips_give_original_or_mirror():
    batch = img((16, 3, 4, 1))
    tf.random.set_seed(3)
    out = image.random_flip_left_right(batch).numpy()
    flipped = [np.array_equal(o, b[:, ::-1]) for o, b in zip(out, batch)]
    kept = [np.array_equal(o, b) for o, b in zip(out, batch)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)
    tf.random.set_seed(3)
    np.testing.assert_array_equal(image.random_flip_left_right(batch).numpy(), out)
    single = image.random_flip_up_down(batch[0], seed=1).numpy()
    assert np.array_equal(single, batch[0]) or np.array_equal(single, batch[0][::-1])


def test_stateless_random_ops_are_deterministic():
    batch = img((8, 3, 4, 3))
    for op in (lambda s: image.stateless_random_flip_left_right(batch, s),
               lambda s: image.stateless_random_flip_up_down(batch, s),
               lambda s: image.stateless_random_brightness(batch, 0.3, s),
               lambda s: image.stateless_random_contrast(batch, 0.5, 1.5, s),
               lambda s: image.stateless_random_saturation(batch, 0.5, 1.5, s),
               lambda s: image.stateless_random_hue(batch, 0.2, s),
               lambda s: image.stateless_random_crop(batch, [2, 2, 3, 3], s)):
        np.testing.assert_array_equal(op((1, 2)).numpy(), op((1, 2)).numpy())
        np.testing.assert_array_equal(op((1, 2)).numpy(), tf.function(op)((1, 2)).numpy())


def test_random_color_ops_stay_in_range():
    tf.random.set_seed(7)
    x = tf.constant(RGB)
    delta = image.random_brightness(x, 0.2).numpy() - RGB
    assert np.allclose(delta, delta.flat[0], atol=1e-6) and abs(delta.flat[0]) <= 0.2
    for op in (lambda: image.random_contrast(x, 0.2, 0.5), lambda: image.random_hue(x, 0.5),
               lambda: image.random_saturation(x, 0.1, 2.0)):
        assert op().shape == (2, 3, 3)
    crop = image.random_crop(x, [1, 2, 3]).numpy()
    assert any(np.array_equal(crop, RGB[i:i + 1, j:j + 2]) for i in range(2) for j in range(2))


# ---------------------------------------------------------------------------------------------
# Non-max suppression against a brute-force NumPy greedy.
# ---------------------------------------------------------------------------------------------
def _greedy_nms(boxes, scores, limit, threshold):
    def iou(a, b):
        ya, xa = np.minimum(a[:2], a[2:]), np.maximum(a[:2], a[2:])
        yb, xb = np.minimum(b[:2], b[2:]), np.maximum(b[:2], b[2:])
        inter = np.prod(np.clip(np.minimum(xa, xb) - np.maximum(ya, yb), 0, None))
        return inter / (np.prod(xa - ya) + np.prod(xb - yb) - inter)

    keep = []
    for i in sorted(range(len(scores)), key=lambda k: (-scores[k], k)):
        if len(keep) < limit and all(iou(boxes[i], boxes[j]) <= threshold for j in keep):
            keep.append(i)
    return keep


def test_nms_matches_greedy_reference():
    rng = np.random.RandomState(4)
    centers, sizes = rng.uniform(0, 1, (40, 2)), rng.uniform(0.05, 0.4, (40, 2))
    boxes = np.concatenate([centers - sizes / 2, centers + sizes / 2], 1).astype(np.float32)
    boxes[::5] = boxes[::5][:, [2, 3, 0, 1]]  # corners in the other order
    scores = rng.uniform(0, 1, 40).astype(np.float32)
    for threshold in (0.0, 0.3, 0.7):
        got = image.non_max_suppression(boxes, scores, 15, threshold).numpy()
        assert got.dtype == np.int32
        assert got.tolist() == _greedy_nms(boxes, scores, 15, threshold)
    traced = tf.function(lambda b, s: image.non_max_suppression(b, s, 15, 0.3))(boxes, scores)
    assert traced.numpy().tolist() == _greedy_nms(boxes, scores, 15, 0.3)


def test_nms_padded_batched():
    boxes = np.stack([NMS_BOXES, NMS_BOXES[::-1]])
    scores = np.stack([NMS_SCORES, NMS_SCORES[::-1]])
    index, valid = image.non_max_suppression_padded(boxes, scores, 8, 0.3)
    count = int(ref("nms_padded_valid"))
    assert index.shape == (2, 8) and valid.numpy().tolist() == [count, count]
    np.testing.assert_array_equal(index.numpy()[0], ref("nms_padded"))
    np.testing.assert_array_equal(_N - 1 - index.numpy()[1, :count], ref("nms_padded")[:count])
    index, valid = image.non_max_suppression_padded(NMS_BOXES, NMS_SCORES, 4, 0.3)
    assert index.numpy().tolist() == ref("nms_padded")[:4].tolist() and int(valid) == 4


# ---------------------------------------------------------------------------------------------
# Codecs: PNG, JPEG, GIF, BMP.
# ---------------------------------------------------------------------------------------------
def _pillow_bytes(array, fmt, **kwargs) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    if fmt == "GIF":
        frames = [Image.fromarray(a) for a in array]
        frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], **kwargs)
    else:
        Image.fromarray(array).save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


PIXELS = np.random.RandomState(5).randint(0, 256, (9, 11, 4)).astype(np.uint8)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trip(channels):
    data = PIXELS[..., :channels]
    encoded = image.encode_png(data)
    assert encoded.dtype == tf.string and encoded.shape == ()
    np.testing.assert_array_equal(image.decode_png(encoded).numpy(), data)
    np.testing.assert_array_equal(tf.image.decode_image(encoded).numpy(), data)


def test_png_channel_conversion_matches_libpng():
    encoded = image.encode_png(PIXELS[..., :3])
    gray = image.decode_png(encoded, channels=1).numpy()[..., 0].astype(np.int64)
    r, g, b = (PIXELS[..., i].astype(np.int64) for i in range(3))
    np.testing.assert_array_equal(gray, (9797 * r + 19234 * g + 3737 * b) >> 15)
    rgba = image.decode_png(encoded, channels=4).numpy()
    np.testing.assert_array_equal(rgba[..., :3], PIXELS[..., :3])
    assert np.all(rgba[..., 3] == 255)
    gray4 = image.decode_png(image.encode_png(PIXELS[..., :1]), channels=3).numpy()
    np.testing.assert_array_equal(gray4, np.repeat(PIXELS[..., :1], 3, -1))


def test_png_16_bit():
    data = np.random.RandomState(6).randint(0, 65536, (5, 6, 1)).astype(np.uint16)
    encoded = image.encode_png(data)
    np.testing.assert_array_equal(image.decode_png(encoded, dtype=tf.uint16).numpy(), data)
    np.testing.assert_array_equal(image.decode_png(encoded).numpy(), (data >> 8).astype(np.uint8))


def test_jpeg_round_trip_and_header():
    smooth = (np.add.outer(np.arange(20), np.arange(24))[..., None] * [5, 3, 1]).astype(np.uint8)
    encoded = image.encode_jpeg(smooth, quality=95)
    decoded = image.decode_jpeg(encoded).numpy()
    assert decoded.shape == (20, 24, 3) and np.abs(decoded.astype(int) - smooth).max() <= 8
    assert bool(image.is_jpeg(encoded)) and not bool(image.is_jpeg(image.encode_png(smooth)))
    assert image.extract_jpeg_shape(encoded).numpy().tolist() == [20, 24, 3]
    assert image.decode_jpeg(encoded, channels=1).shape == (20, 24, 1)
    floats = image.decode_image(encoded, dtype=tf.float32).numpy()
    np.testing.assert_allclose(floats, decoded / 255.0, atol=1e-6)


def test_gif_and_bmp():
    frames = (np.random.RandomState(7).randint(0, 4, (3, 6, 7, 3)) * 60).astype(np.uint8)
    gif = _pillow_bytes(frames, "GIF")
    np.testing.assert_array_equal(image.decode_gif(gif).numpy(), frames)
    np.testing.assert_array_equal(image.decode_image(gif).numpy(), frames)
    np.testing.assert_array_equal(image.decode_image(gif, expand_animations=False).numpy(),
                                  frames[0])
    for channels in (3, 4):
        bmp = _pillow_bytes(PIXELS[..., :channels], "BMP")
        np.testing.assert_array_equal(image.decode_bmp(bmp).numpy(), PIXELS[..., :channels])
        np.testing.assert_array_equal(image.decode_image(bmp).numpy(), PIXELS[..., :channels])


def test_codecs_inside_function_and_dataset():
    encoded = [image.encode_png(PIXELS[i:i + 3, :, :3]).numpy() for i in range(3)]

    @tf.function
    def decode_and_resize(contents):
        decoded = image.decode_png(contents, channels=3)
        assert decoded.shape.as_list() == [None, None, 3]
        return image.resize(decoded, [4, 4])

    want = image.resize(PIXELS[:3, :, :3], [4, 4]).numpy()
    np.testing.assert_allclose(decode_and_resize(tf.constant(encoded[0])).numpy(), want)
    dataset = tf.data.Dataset.from_tensor_slices(encoded).map(decode_and_resize)
    outs = list(dataset)
    assert len(outs) == 3
    np.testing.assert_allclose(outs[0].numpy(), want)


def test_decode_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
        image.decode_png(b"not an image")
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
        image.decode_image(b"\x00\x01")
    with pytest.raises(tf.errors.InvalidArgumentError, match="frames"):
        frames = np.zeros((2, 3, 3, 3), np.uint8)
        frames[1] += 90
        image.decode_png(_pillow_bytes(frames, "GIF"))
    with pytest.raises(ValueError, match="channels"):
        image.decode_png(b"", channels=5)
    with pytest.raises(TypeError, match="uint8"):
        image.encode_jpeg(np.zeros((2, 2, 3), np.float32))


# ---------------------------------------------------------------------------------------------
# Errors: TF's exception classes, messages naming the problem.
# ---------------------------------------------------------------------------------------------
def test_errors():
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        image.flip_left_right(np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="'size' must be a 1-D Tensor of 2 elements"):
        image.resize(X1, [3])
    with pytest.raises(ValueError, match="Resize method is not implemented"):
        image.resize(X1, [3, 3], method="cubic")
    with pytest.raises(ValueError, match="width must be >= target \\+ offset"):
        image.crop_to_bounding_box(X7, 0, 5, 2, 5)
    with pytest.raises(ValueError, match="offset_height must be >= 0"):
        image.crop_to_bounding_box(X7, -1, 0, 2, 2)
    with pytest.raises(ValueError, match="height must be <= target - offset"):
        image.pad_to_bounding_box(X7, 2, 0, 8, 9)
    with pytest.raises(ValueError, match="central_fraction must be within \\(0, 1\\]"):
        image.central_crop(X7, 1.5)
    with pytest.raises(ValueError, match="image_gradients expects a 4D tensor"):
        image.image_gradients(X7)
    with pytest.raises(tf.errors.InvalidArgumentError, match="last dimension.*3"):
        image.rgb_to_hsv(X7)
    with pytest.raises(ValueError, match="Gamma should be a non-negative"):
        image.adjust_gamma(RGB, -1.0)
    with pytest.raises(ValueError, match="max_delta must be <= 0.5"):
        image.random_hue(RGB, 0.7)
    with pytest.raises(ValueError, match="upper must be > lower"):
        image.random_contrast(RGB, 0.5, 0.5)
    with pytest.raises(ValueError, match="max_delta must be non-negative"):
        image.random_brightness(RGB, -0.1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="filter_size=11"):
        image.ssim(I4, J4, 1.0)
    with pytest.raises(ValueError, match="not compatible"):
        image.psnr(I4, I4[:, :4], 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="iou_threshold"):
        image.non_max_suppression(NMS_BOXES, NMS_SCORES, 3, 1.5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="sizes must be"):
        image.extract_patches(P, [2, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(AttributeError, match="floating point or integer"):
        image.convert_image_dtype(V, tf.string)


def test_namespaces():
    assert tf.image.ResizeMethod.LANCZOS3 == "lanczos3"
    for name in image_ops.NAMESPACES["image"]:
        assert hasattr(tf.image, name), name


# ---------------------------------------------------------------------------------------------
# Detection helpers and JPEG augmentation.
# ---------------------------------------------------------------------------------------------
def test_combined_nms_shapes_and_padding():
    boxes = np.repeat(NMS_BOXES[None, :, None], 2, 0)
    scores = np.stack([np.stack([NMS_SCORES, NMS_SCORES[::-1]], -1)] * 2)
    out = image.combined_non_max_suppression(boxes, scores, 2, 10, 0.3, 0.5, pad_per_class=True)
    assert [o.shape for o in out] == [(2, 4, 4), (2, 4), (2, 4), (2,)]
    assert out[3].numpy().tolist() == [4, 4]
    assert np.all(np.diff(out[1].numpy(), axis=1) <= 0)  # best first
    assert set(out[2].numpy().ravel().tolist()) == {0.0, 1.0}


def test_sample_distorted_bounding_box_constraints():
    box = np.array([[[0.1, 0.2, 0.5, 0.9]]], np.float32)
    for seed in range(5):
        begin, size, bbox = image.stateless_sample_distorted_bounding_box(
            [100, 80, 3], box, seed=(seed, 1), min_object_covered=0.5,
            aspect_ratio_range=(0.5, 2.0), area_range=(0.1, 0.9))
        (y, x, zero), (h, w, minus_one) = begin.numpy(), size.numpy()
        assert zero == 0 and minus_one == -1 and y + h <= 100 and x + w <= 80
        assert 0.1 * 8000 <= h * w <= 0.9 * 8000 and 0.5 <= w / h <= 2.0 + 0.05
        inter = max(min(y + h, 50) - max(y, 10), 0) * max(min(x + w, 72) - max(x, 16), 0)
        assert inter / (40 * 56) >= 0.5
        np.testing.assert_allclose(bbox.numpy(), [[[y / 100, x / 80, (y + h) / 100,
                                                    (x + w) / 80]]], rtol=1e-6)
        again = image.stateless_sample_distorted_bounding_box(
            [100, 80, 3], box, seed=(seed, 1), min_object_covered=0.5,
            aspect_ratio_range=(0.5, 2.0), area_range=(0.1, 0.9))
        assert again[0].numpy().tolist() == begin.numpy().tolist()
    begin, size, _ = image.sample_distorted_bounding_box([10, 10, 1], np.zeros((1, 0, 4)),
                                                         use_image_if_no_bounding_boxes=True)
    assert size.numpy()[2] == -1 and begin.dtype == tf.int32


def test_jpeg_quality_and_cropped_decode():
    smooth = (np.add.outer(np.arange(16), np.arange(16))[..., None] * [6, 4, 2]).astype(np.uint8)
    low = image.adjust_jpeg_quality(smooth, 30)
    assert low.dtype == tf.uint8 and low.shape == (16, 16, 3)
    assert 0 < np.abs(low.numpy().astype(int) - smooth).max() < 40
    floats = image.adjust_jpeg_quality(smooth / np.float32(255), 90)
    assert floats.dtype == tf.float32 and np.abs(floats.numpy() - smooth / 255).max() < 0.05
    assert image.stateless_random_jpeg_quality(smooth, 50, 90, (1, 2)).shape == (16, 16, 3)
    encoded = image.encode_jpeg(smooth)
    np.testing.assert_array_equal(image.decode_and_crop_jpeg(encoded, [2, 3, 5, 7]).numpy(),
                                  image.decode_jpeg(encoded).numpy()[2:7, 3:10])
    with pytest.raises(ValueError, match="min_jpeg_quality"):
        image.random_jpeg_quality(smooth, 90, 50)


def test_draw_bounding_boxes():
    canvas = np.zeros((1, 12, 14, 3), np.float32)
    boxes = np.array([[[0.1, 0.1, 0.5, 0.6]]], np.float32)
    out = image.draw_bounding_boxes(canvas, boxes, np.array([[1, 0, 0, 1]], np.float32)).numpy()
    top, left, bottom, right = int(0.1 * 11), int(0.1 * 13), int(0.5 * 11), int(0.6 * 13)
    outline = np.zeros((12, 14), bool)
    outline[top, left:right + 1] = outline[bottom, left:right + 1] = True
    outline[top:bottom + 1, left] = outline[top:bottom + 1, right] = True
    np.testing.assert_array_equal(out[0, ..., 0] == 1, outline)
    assert out[..., 1:].max() == 0


def test_glimpse_noise_fills_outside_only():
    offsets = np.array([[0.9, 0.8], [-0.9, 0.0]], np.float32)
    zero = image.extract_glimpse(GLIMPSE, (3, 4), offsets, noise="zero").numpy()
    inside = zero != 0  # GLIMPSE has no zeros
    tf.random.set_seed(2)
    for noise in ("uniform", "gaussian"):
        noisy = image.extract_glimpse(GLIMPSE, (3, 4), offsets, noise=noise).numpy()
        np.testing.assert_array_equal(noisy[inside], zero[inside])
        assert not inside.all()
        for i in range(2):
            outside = noisy[i][~inside[i]]
            assert outside.min() >= GLIMPSE[i].min() and outside.max() <= GLIMPSE[i].max()


def test_webp_decodes_as_frames():
    data = _pillow_bytes(PIXELS[..., :3], "WEBP", lossless=True)
    frames = image.decode_webp(data)
    assert frames.shape == (1, 9, 11, 3)
    np.testing.assert_array_equal(frames.numpy()[0], PIXELS[..., :3])
    assert image.decode_image(data).shape == (1, 9, 11, 3)
    assert image.decode_image(data, expand_animations=False).shape == (9, 11, 3)


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "area", "lanczos3"])
def test_resize_gradient_with_unknown_dims(method):
    data = img((1, 5, 6, 2))
    weights = img((1, 3, 8, 2), 5, 7, 3.0)

    def loss_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(image.resize(x, [3, 8], method, antialias=True) * weights)
        return tape.gradient(loss, x)

    spec = tf.TensorSpec([None, None, None, 2], tf.float32)
    traced = tf.function(loss_grad, input_signature=[spec])(data)
    np.testing.assert_allclose(traced.numpy(), loss_grad(tf.constant(data)).numpy(), rtol=1e-5,
                               atol=1e-6)
