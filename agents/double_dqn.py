"""Double DQN for Stable-Baselines3 (van Hasselt et al. 2016): SB3's DQN with the double-Q target."""

from __future__ import annotations

import numpy as np
import torch as th
from stable_baselines3 import DQN
from torch.nn import functional as F


class DoubleDQN(DQN):
    """DQN with the double-Q target: online network picks the next action, target network values it.

    Target: ``r + (1 - done) * gamma * Q_target(s', argmax_a Q_online(s', a))`` instead of
    ``max_a Q_target(s', a)``, which reduces DQN's over-estimation of action values. Everything
    else (constructor, replay buffer, n-step returns, exploration, target updates, Huber loss,
    gradient clipping, logging, saving) is SB3's DQN unchanged.
    """

    def train(self, gradient_steps: int, batch_size: int = 100) -> None:
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)

        losses = []
        for _ in range(gradient_steps):
            replay_data = self.replay_buffer.sample(batch_size, env=self._vec_normalize_env)  # type: ignore[union-attr]
            discounts = replay_data.discounts if replay_data.discounts is not None else self.gamma
            with th.no_grad():
                next_actions = self.q_net(replay_data.next_observations).argmax(dim=1, keepdim=True)
                next_q_values = th.gather(self.q_net_target(replay_data.next_observations), 1, next_actions)
                target_q_values = replay_data.rewards + (1 - replay_data.dones) * discounts * next_q_values

            current_q_values = th.gather(self.q_net(replay_data.observations), 1, replay_data.actions.long())
            loss = F.smooth_l1_loss(current_q_values, target_q_values)
            losses.append(loss.item())

            self.policy.optimizer.zero_grad()
            loss.backward()
            th.nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
            self.policy.optimizer.step()

        self._n_updates += gradient_steps
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        self.logger.record("train/loss", np.mean(losses))
