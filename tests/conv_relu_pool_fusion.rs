//! `Sequential` records `Conv2d → ReLU → MaxPool2d` as ONE tape op
//! (`Tape::conv2d_relu_max_pool2d`). The fusion must change nothing but speed: the output and the
//! gradients of the input, the weight and the bias are bit-identical to recording the three ops
//! one by one, for LeNet's 2×2/2 pool and for an overlapping, padded one, with and without the
//! direct convolution path (stride 1 vs 2). Loss: `Σ out ⊙ c` for a random `c`, so every pooled
//! gradient differs.

use lepton::autograd::{self, Conv2dOptions, MaxPool2dOptions, Tape};
use lepton::nn::{init::Initializer, Conv2d, MaxPool2d, Module, ReLU, Sequential};
use lepton::Tensor;

fn check(conv_opts: Conv2dOptions, pool: MaxPool2dOptions, seed: u64) {
    let mut init = Initializer::new(seed);
    let conv = Conv2d::new(3, 7, (3, 3), conv_opts, &mut init);
    let seq = Sequential::new()
        .push("conv", conv.clone())
        .push("relu", ReLU)
        .push("pool", MaxPool2d { options: pool });
    let x = Tensor::rand_uniform(&[5, 3, 12, 11], -1.0, 1.0, seed + 1);

    // Fused, through Sequential.
    let mut tape = Tape::new();
    let xv = tape.param_ref(&x);
    let mut params = Vec::new();
    let out = seq.forward_tape(&mut tape, xv, &mut params).unwrap();
    let fused_len = tape.len();
    let fused_out = tape.value(out).clone();
    let c = Tensor::rand_uniform(fused_out.shape(), -1.0, 1.0, seed + 2);
    let cv = tape.input_ref(&c);
    let prod = tape.mul(out, cv).unwrap();
    let loss = tape.sum(prod).unwrap();
    let mut fused = tape.backward(loss).unwrap();

    // Unfused: the three ops recorded one by one.
    let mut tape = Tape::new();
    let xv2 = tape.param_ref(&x);
    let w = tape.param_ref(&conv.weight.value);
    let b = tape.param_ref(&conv.bias.value);
    let z = tape.conv2d(xv2, w, Some(b), conv_opts).unwrap();
    let r = tape.relu(z);
    let out2 = tape.max_pool2d(r, pool).unwrap();
    let unfused_len = tape.len();
    assert_eq!(tape.value(out2), &fused_out);
    let cv = tape.input_ref(&c);
    let prod = tape.mul(out2, cv).unwrap();
    let loss = tape.sum(prod).unwrap();
    let mut unfused = tape.backward(loss).unwrap();

    assert!(
        fused_len < unfused_len,
        "the chain was not fused ({fused_len} vs {unfused_len} nodes)"
    );
    assert_eq!(params.len(), 2, "weight and bias registered");
    assert_eq!(fused.take(xv).unwrap(), unfused.take(xv2).unwrap(), "dx");
    assert_eq!(
        fused.take(params[0]).unwrap(),
        unfused.take(w).unwrap(),
        "dw"
    );
    assert_eq!(
        fused.take(params[1]).unwrap(),
        unfused.take(b).unwrap(),
        "db"
    );

    // The inference function too.
    let plain = autograd::conv2d_relu_max_pool2d(
        &x,
        &conv.weight.value,
        Some(&conv.bias.value),
        conv_opts,
        pool,
    )
    .unwrap();
    assert_eq!(plain, fused_out);
}

#[test]
fn fused_conv_relu_pool_equals_the_three_ops_bit_for_bit() {
    let direct = Conv2dOptions::default();
    let strided = Conv2dOptions {
        stride: (2, 1),
        padding: (1, 1),
        ..Conv2dOptions::default()
    };
    let overlapping = MaxPool2dOptions {
        kernel: (3, 3),
        stride: (2, 1),
        padding: (1, 0),
    };
    for seed in 0..3 {
        check(direct, MaxPool2dOptions::square(2), seed);
        check(direct, overlapping, seed);
        check(strided, MaxPool2dOptions::square(2), seed);
        check(strided, overlapping, seed);
    }
}

#[test]
fn fused_op_reports_a_pool_that_does_not_fit() {
    let mut tape = Tape::new();
    let x = tape.input(Tensor::zeros(&[1, 1, 4, 4]));
    let w = tape.param(Tensor::zeros(&[1, 1, 3, 3]));
    // The 2×2 convolution output cannot hold a 3×3 window.
    let err = tape
        .conv2d_relu_max_pool2d(
            x,
            w,
            None,
            Conv2dOptions::default(),
            MaxPool2dOptions::square(3),
        )
        .unwrap_err();
    assert!(err.to_string().contains("max_pool2d"), "{err}");
}
