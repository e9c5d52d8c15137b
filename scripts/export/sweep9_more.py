"""Ninth sweep's models outside the detectors (sweep9_mm.py, sweep9_gen.py, sweep9_edge.py), with the inputs, opsets
and dynamic axes of their projects' exports. Read by sweep9.py."""
import torch

from sweep import calibrated, img
from sweep8 import calibrated_multi
import sweep9_mm as mm
import sweep9_gen as gen
import sweep9_edge as edge
import sweep9_gold as gold

HW = {0: 'batch', 2: 'height', 3: 'width'}


def dlrm(batch=4, per_bag=3):
    m = edge.DLRM()
    n = len(m.emb)
    indices = torch.stack([torch.randint(0, e.num_embeddings, (batch * per_bag,)) for e in m.emb])
    offsets = torch.arange(0, batch * per_bag, per_bag).unsqueeze(0).repeat(n, 1)
    m, xs = calibrated_multi(m, (torch.rand(batch, 13), offsets, indices))
    return m, xs, {'opset': 11, 'names': ['dense_x', 'offsets', 'indices'], 'outputs': ['click'],
                   'dynamic': {'dense_x': {0: 'batch'}, 'offsets': {1: 'batch'}, 'indices': {1: 'num_indices'}}}


def graph(model, n=200, e=800):
    ei = torch.randint(0, n, (2, e))
    return model, (torch.randn(n, 16), ei), {'opset': 16, 'names': ['x', 'edge_index'],
                                             'dynamic': {'x': {0: 'num_nodes'}, 'edge_index': {1: 'num_edges'}}}


MODELS = {
    # Gold-YOLO's export (deploy/ONNX/export_onnx.py: opset 13), MobileCLIP's text tower (opset 14)
    'gold_yolo_n_style_op13': lambda: calibrated(gold.GoldYolo(), img(320)) + ({'opset': 13, 'names': ['images'], 'outputs': ['outputs']},),
    'mobileclip_text_op14': lambda: calibrated_multi(gold.MobileClipText(), (torch.randint(1, 999, (1, 77)),)) + ({'opset': 14, 'names': ['text']},),
    # multimodal: transformers / optimum (opset 14 for SigLIP), ultralytics YOLO-World export with the text
    # embeddings left an input (opset 17), Grounding-DINO's fusion (opset 16, text length dynamic)
    'siglip_vision_op14': lambda: (mm.SiglipVision(), img(224), {'opset': 14, 'names': ['pixel_values'], 'outputs': ['last_hidden_state', 'image_embeds']}),
    'yolo_world_text_input': lambda: calibrated_multi(mm.YoloWorld(), (img(320), torch.randn(1, 20, 64)))
                                     + ({'names': ['images', 'txt_feats'], 'outputs': ['output0']},),
    'yolo_world_text_input_dynamic': lambda: calibrated_multi(mm.YoloWorld(), (img(320), torch.randn(1, 20, 64)))
                                             + ({'names': ['images', 'txt_feats'], 'dynamic': {'txt_feats': {1: 'num_classes'}}},),
    'grounding_fusion_op16_dynamic': lambda: (mm.GroundingFusion(), (torch.randn(1, 400, 64), torch.randn(1, 12, 64), torch.tensor([[True] * 9 + [False] * 3])),
                                              {'opset': 16, 'names': ['img_feats', 'text_feats', 'text_token_mask'],
                                               'dynamic': {'text_feats': {1: 'num_tokens'}, 'text_token_mask': {1: 'num_tokens'}}}),
    # segment anything: EfficientSAM export_to_onnx (opset 17), EdgeSAM's encoder export (opset 11), prompt encoder +
    # a decoder step with the number of points dynamic (SAM's export: opset 17)
    'efficientsam_encoder': lambda: (mm.EfficientSamEncoder(), img(256)),
    'edgesam_repvit_encoder_op11': lambda: calibrated(mm.EdgeSamEncoder(), img(256)) + ({'opset': 11},),
    'sam_prompt_encoder_dynamic': lambda: (mm.PromptEncoder(), (torch.randn(1, 64, 16, 16), torch.rand(1, 4, 2) * 256, torch.tensor([[1, 0, 2, 3]])),
                                           {'names': ['image_embeddings', 'point_coords', 'point_labels'], 'outputs': ['masks', 'iou_predictions'],
                                            'dynamic': {'point_coords': {1: 'num_points'}, 'point_labels': {1: 'num_points'}}}),
    # generative: TAESD's export (opset 17), diffusers' UNet step (opset 14, batch 2 for guidance), VAE decoder
    'taesd_encoder': lambda: (gen.taesd_encoder(), torch.rand(1, 3, 256, 256)),
    'taesd_decoder': lambda: (gen.taesd_decoder(), torch.randn(1, 4, 32, 32)),
    'sd_unet_step_op14': lambda: (gen.UNetStep(), (torch.randn(2, 4, 16, 16), torch.tensor([500.]), torch.randn(2, 16, 64)),
                                  {'opset': 14, 'names': ['sample', 'timestep', 'encoder_hidden_states'], 'outputs': ['out_sample']}),
    'sd_vae_decoder_op14': lambda: (gen.VaeDecoder(), torch.randn(1, 4, 16, 16), {'opset': 14, 'names': ['latent_sample'], 'outputs': ['sample']}),
    # anomaly: anomalib's export (opset 14)
    'patchcore_r18_op14': lambda: calibrated(gen.PatchCore(), img(224)) + ({'opset': 14, 'outputs': ['anomaly_map', 'pred_score']},),
    'padim_r18_op14': lambda: calibrated(gen.PaDiM(), img(224)) + ({'opset': 14, 'outputs': ['anomaly_map', 'pred_score']},),
    # MediaPipe-style (the PyTorch ports' export: opset 11)
    'mp_face_mesh_op11': lambda: (edge.FaceMesh(), torch.rand(1, 3, 192, 192), {'opset': 11}),
    'mp_hand_landmark_op11': lambda: (edge.HandLandmark(), torch.rand(1, 3, 256, 256), {'opset': 11}),
    'mp_selfie_segmentation_op11': lambda: (edge.SelfieSegmentation(), torch.rand(1, 3, 256, 256), {'opset': 11}),
    'mp_pose_landmark_op11': lambda: (edge.PoseLandmark(), torch.rand(1, 3, 256, 256), {'opset': 11}),
    # recommenders and graphs
    'dlrm_embeddingbag_op11_dynamic': dlrm,
    'two_tower_op13': lambda: (edge.TwoTower(), (torch.tensor([7]), torch.randint(0, 100000, (1, 20)), torch.rand(1, 8), torch.randint(0, 100000, (64,)), torch.randint(0, 500, (64,))),
                               {'opset': 13, 'names': ['user_id', 'history', 'user_feats', 'item_ids', 'item_cats']}),
    'gcn_index_add_op16_dynamic': lambda: graph(edge.GCN()),
    'graphsage_index_add_op16_dynamic': lambda: graph(edge.GraphSAGE()),
    # time series
    'patchtst_op13': lambda: calibrated(edge.PatchTST(), torch.randn(1, 336, 7)) + ({'opset': 13},),
    'patchtst_slices_op13': lambda: calibrated(edge.PatchTST(unfold=False), torch.randn(1, 336, 7)) + ({'opset': 13},),
    'nbeats': lambda: (edge.NBeats(), torch.randn(1, 96), {'outputs': ['forecast', 'backcast_residual']}),
    'timesnet_style': lambda: (edge.TimesNetStyle(), torch.randn(1, 96, 7)),
    'lstm_autoencoder_op11': lambda: (edge.LstmAutoencoder(), torch.randn(1, 64, 8), {'opset': 11, 'outputs': ['reconstruction', 'error']}),
}
