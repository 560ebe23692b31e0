//! Photo pipeline stages, each against the alternative the library choice was made over, on one
//! synthetic 12-megapixel acta photo (4000×3000 stored, EXIF orientation 6):
//!
//! - decode: `jpeg-decoder` scaled in the IDCT to ≥ 2000 px vs the `image` crate's full decode
//!   (zune-jpeg, which cannot scale while decoding);
//! - resize 2000×1500 → 1600×1200 (and full 4000×3000 → 2000×1500): `fast_image_resize` Lanczos-3
//!   vs `image::imageops::resize` Lanczos-3;
//! - encode 2000×1500 at quality 80: `jpeg-encoder` vs the `image` crate's JPEG encoder;
//! - the whole `prepare`, with and without the QR search.
//!
//! Run: `cargo bench -p testigo-core --bench photo`. Figures go in BENCHMARKS.md and ADR 4.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use criterion::{Criterion, criterion_group, criterion_main};
use fast_image_resize as fr;
use testigo_core::photo::{PhotoOptions, prepare};

fn photo() -> Vec<u8> {
    let election = testigo_testkit::Election::new(5, 38);
    let mut spec = testigo_testkit::PhotoSpec::random(9);
    spec.width = 3000;
    spec.height = 4000;
    spec.exif_orientation = 6;
    spec.quality = 92;
    let acta = election.acta(5);
    let page = testigo_testkit::render_page(&acta, 5).unwrap();
    testigo_testkit::phone_photo(&page, &spec, 5).unwrap()
}

fn rgb_of(jpeg: &[u8], scale_to: Option<u16>) -> (u32, u32, Vec<u8>) {
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    if let Some(edge) = scale_to {
        d.scale(edge, edge).unwrap();
    }
    let px = d.decode().unwrap();
    let info = d.info().unwrap();
    (info.width.into(), info.height.into(), px)
}

fn bench(c: &mut Criterion) {
    let jpeg = photo();
    let mut g = c.benchmark_group("decode 12 MP");
    g.bench_function("jpeg-decoder scaled to 2000", |b| b.iter(|| rgb_of(&jpeg, Some(2000))));
    g.bench_function("jpeg-decoder full", |b| b.iter(|| rgb_of(&jpeg, None)));
    g.bench_function("image (zune-jpeg) full", |b| {
        b.iter(|| image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).unwrap().into_rgb8())
    });
    g.finish();

    let (w, h, half) = rgb_of(&jpeg, Some(2000));
    let (fw, fh, full) = rgb_of(&jpeg, None);
    let mut g = c.benchmark_group("resize Lanczos3");
    for (name, (sw, sh, src, dw, dh)) in [
        ("2000x1500 to 1600x1200", (w, h, &half, w * 4 / 5, h * 4 / 5)),
        ("4000x3000 to 2000x1500", (fw, fh, &full, fw / 2, fh / 2)),
    ] {
        g.bench_function(format!("fast_image_resize {name}"), |b| {
            b.iter(|| {
                let src = fr::images::Image::from_vec_u8(sw, sh, src.clone(), fr::PixelType::U8x3).unwrap();
                let mut dst = fr::images::Image::new(dw, dh, fr::PixelType::U8x3);
                let opts =
                    fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
                fr::Resizer::new().resize(&src, &mut dst, &opts).unwrap();
                dst
            })
        });
        g.bench_function(format!("image::imageops {name}"), |b| {
            let img = image::RgbImage::from_raw(sw, sh, src.clone()).unwrap();
            b.iter(|| image::imageops::resize(&img, dw, dh, image::imageops::FilterType::Lanczos3))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("encode 2000x1500 q80");
    g.bench_function("jpeg-encoder (optimised Huffman)", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            let mut e = jpeg_encoder::Encoder::new(&mut out, 80);
            e.set_optimized_huffman_tables(true);
            e.encode(&half, w as u16, h as u16, jpeg_encoder::ColorType::Rgb).unwrap();
            out
        })
    });
    g.bench_function("image JpegEncoder", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
                .encode(&half, w, h, image::ExtendedColorType::Rgb8)
                .unwrap();
            out
        })
    });
    g.finish();

    let mut g = c.benchmark_group("prepare 12 MP");
    g.bench_function("with QR search", |b| b.iter(|| prepare(&jpeg, &PhotoOptions::default()).unwrap()));
    g.bench_function("without QR search", |b| {
        b.iter(|| prepare(&jpeg, &PhotoOptions { find_qr: false, ..PhotoOptions::default() }).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
