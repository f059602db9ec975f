use lepton::svm::*;
fn main() {
    let mut s = 12345u64;
    let mut r = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32
    };
    for case in 0..20 {
        let (l, d) = (20, 2);
        let x: Vec<f32> = (0..l * d).map(|_| r()).collect();
        let y: Vec<f64> = (0..l)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        for kt in [KernelType::Linear, KernelType::Polynomial, KernelType::Rbf] {
            let p = SvmParams {
                svm_type: SvmType::OneClass,
                kernel_type: kt,
                degree: 2,
                gamma: Some(1.0),
                coef0: 1.0,
                nu: 0.3,
                eps: 1e-7,
                ..SvmParams::default()
            };
            let t = std::time::Instant::now();
            let m = SvmModel::train(&x, d, &y, &p).unwrap();
            let s = m.training_summaries()[0];
            if t.elapsed().as_secs_f64() > 0.01 {
                println!(
                    "case {case} {kt:?} iters {} time {:?} max {}",
                    s.counters.iterations,
                    t.elapsed(),
                    s.reached_max_iter
                );
            }
        }
    }
}
